#!/bin/sh
# The layout's rule for C functions SQL calls (docs/development.md): each is in
# src/pg/sql_<topic>.cpp, named after the src/sql/<topic>.sql that declares it;
# those only 0.1.0's frozen script declares are in src/pg/sql_release_0_1_0.cpp.
# Run by CTest: test/unit/sql_functions_layout_test.sh SRC_DIR
set -eu
cd "$1"
status=0
fail() { echo "not ok: $*"; status=1; }
checked=0
for file in src/pg/*.cpp; do
    for symbol in $(sed -n 's/^CADENCE_SQL_FUNCTION(\([a-z_0-9]*\)).*/\1/p' "$file"); do
        checked=$((checked + 1))
        case $file in
        src/pg/sql_release_0_1_0.cpp)
            grep -q "'$symbol'" src/sql/releases/pg_cadence--0.1.0.sql ||
                fail "$symbol is in $file, but the 0.1.0 script does not declare it"
            ! grep -q "'$symbol'" src/sql/*.sql ||
                fail "$symbol is in $file, but $(grep -l "'$symbol'" src/sql/*.sql | head -n 1) declares it" ;;
        src/pg/sql_*.cpp)
            topic=${file#src/pg/sql_}
            topic=${topic%.cpp}
            grep -q "'$symbol'" "src/sql/$topic.sql" 2>/dev/null ||
                fail "$symbol is in $file, but src/sql/$topic.sql does not declare it" ;;
        *) fail "$symbol is in $file: a C function SQL calls belongs in src/pg/sql_<topic>.cpp" ;;
        esac
    done
done
# And every symbol the SQL declares is where the rule says.
for sql in src/sql/*.sql; do
    topic=$(basename "$sql" .sql)
    for symbol in $(grep -o "'MODULE_PATHNAME', *'[a-z_0-9]*'" "$sql" | sed "s/.*'\([a-z_0-9]*\)'$/\1/" | sort -u); do
        grep -q "^CADENCE_SQL_FUNCTION($symbol)" "src/pg/sql_$topic.cpp" 2>/dev/null ||
            fail "$sql declares $symbol, which is not in src/pg/sql_$topic.cpp"
    done
done
[ "$checked" -gt 20 ] || fail "only $checked C functions found: is the pattern still right?"
[ "$status" = 0 ] && echo "ok: $checked C functions, each in the file its SQL topic names"
exit $status
