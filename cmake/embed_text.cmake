# Writes a C++ source holding the text of IN as `const char* NAME` (a raw string):
# cmake -DIN=file -DOUT=file.cpp -DNAME=symbol -DNAMESPACE=ns -DVERSION=x.y.z -P embed_text.cmake
file(READ "${IN}" text)
# The version has one place, pg_cadence.control: @CADENCE_VERSION@ stands for it.
string(REPLACE "@CADENCE_VERSION@" "${VERSION}" text "${text}")
file(WRITE "${OUT}" "// Generated from ${IN} by cmake/embed_text.cmake: edit that file.\n"
                    "namespace ${NAMESPACE} {\nextern const char* const ${NAME};\n"
                    "const char* const ${NAME} = R\"cadence_embedded(${text})cadence_embedded\";\n}\n")
