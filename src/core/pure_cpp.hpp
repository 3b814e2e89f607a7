// The last include of every file of the core. The core is pure C++ (no
// PostgreSQL header, so that it builds and is unit-tested without a server);
// under PGXS PostgreSQL's headers are on the include path, and this makes the
// compiler refuse a core file that includes one, directly or through another
// header. (pg_duckdb's cpp_only_file.hpp does the same.) No include guard: it
// checks again wherever it is included.
#ifdef POSTGRES_H
#error "src/core is pure C++: a PostgreSQL header was included before this point (see docs/development.md)"
#endif
