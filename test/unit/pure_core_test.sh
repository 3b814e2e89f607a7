#!/bin/sh
# The core refuses PostgreSQL headers (src/core/pure_cpp.hpp): every core file
# includes the guard after its other includes, and the guard stops a compile that
# included postgres.h first. Run by CTest: test/unit/pure_core_test.sh SRC_DIR CXX
set -eu
src=$1 cxx=$2
status=0
for f in "$src"/src/core/*.cpp; do
    last=$(grep '^#include' "$f" | tail -n 1)
    case $last in
    *'"core/pure_cpp.hpp"'*) ;;
    *) echo "not ok: $f does not include core/pure_cpp.hpp after its other includes"; status=1 ;;
    esac
done
server=$(pg_config --includedir-server)
out=$(printf '#include "postgres.h"\n#include "core/pure_cpp.hpp"\n' |
    "$cxx" -std=c++20 -fsyntax-only -x c++ -I"$server" -I"$src/src" - 2>&1) && {
    echo "not ok: a file including postgres.h then the guard compiled"
    status=1
}
case $out in
*"src/core is pure C++"*) echo "ok: the guard refuses postgres.h" ;;
*) echo "not ok: the compile failed for another reason: $out"; status=1 ;;
esac
# And without a PostgreSQL header it compiles.
printf '#include <string>\n#include "core/pure_cpp.hpp"\n' |
    "$cxx" -std=c++20 -fsyntax-only -x c++ -I"$src/src" - || { echo "not ok: the guard refuses plain C++"; status=1; }
exit $status
