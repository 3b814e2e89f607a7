# PGXS build of the pg_cadence extension (the .so, control file and install scripts)
# and the three PostgreSQL test suites. The pure core's unit tests, the benchmarks
# and the client are built by CMakeLists.txt.

EXTENSION   = pg_cadence
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" pg_cadence.control)
MODULE_big  = pg_cadence

CORE_SRCS   = $(wildcard src/core/*.cpp)
PG_SRCS     = $(wildcard src/pg/*.cpp)
OBJS        = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# The install script is built from the SQL topic files in src/sql (see
# src/sql/updates/README.md): the schema, then every file of functions and views,
# each written CREATE OR REPLACE. The update script from the previous release is its
# catalog changes (src/sql/updates/<from>--<this>.sql) followed by the same function
# files. Scripts of earlier releases are kept frozen in src/sql/releases.
SQL_FUNCTIONS = $(addprefix src/sql/,info.sql selftest.sql triggers.sql lifecycle.sql \
                  scheduler.sql executors.sql api.sql views.sql verify.sql finish.sql)
SQL_UPDATES   = $(wildcard src/sql/updates/*--$(EXTVERSION).sql)
SQL_BUILT     = sql-built/pg_cadence--$(EXTVERSION).sql \
                $(patsubst src/sql/updates/%.sql,sql-built/pg_cadence--%.sql,$(SQL_UPDATES))
DATA        = $(wildcard src/sql/releases/*.sql)
DATA_built  = $(SQL_BUILT)
EXTRA_CLEAN = results regression.diffs regression.out output_iso tmp_check log sql-built

# pg_regress: every file in test/sql runs, in the order of test/schedule; its
# expected output, and the isolation specs' (test/specs), are in test/expected.
REGRESS      = --schedule=test/schedule
REGRESS_OPTS = --inputdir=test --load-extension=pg_cadence
# Isolation specs: test/specs.
# batch_races runs last: the specs before it print job ids, counted from a fresh sequence.
ISOLATION      = $(filter-out batch_races,$(basename $(notdir $(wildcard test/specs/*.spec)))) batch_races
ISOLATION_OPTS = --inputdir=test --load-extension=pg_cadence
# TAP tests (PostgreSQL::Test::Cluster) in test/t.
TAP_TESTS   = 1
PROVE_TESTS = test/t/*.pl

# No JIT bitcode: clang would have to compile our C++20 as well, for no gain.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL's headers are included as system headers so that -Wextra speaks only
# of our own files; WERROR=1 (scripts/test sets it) makes any such warning fatal.
PG_CXXFLAGS  = -std=c++20 -Wextra -DCADENCE_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS += -isystem $(includedir_server) -isystem $(includedir_internal) -Isrc
ifeq ($(WERROR),1)
PG_CXXFLAGS += -Werror
endif
override CXXFLAGS += $(PG_CXXFLAGS)
SHLIB_LINK  += -lcctz -lstdc++

$(OBJS): $(wildcard src/core/*.hpp src/pg/*.hpp)

sql-built/pg_cadence--$(EXTVERSION).sql: src/sql/schema.sql $(SQL_FUNCTIONS) pg_cadence.control
	@mkdir -p sql-built
	{ echo '-- pg_cadence $(EXTVERSION): install script (CREATE EXTENSION pg_cadence), built from src/sql'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION pg_cadence" to load this file. \quit'; \
	  for f in src/sql/schema.sql $(SQL_FUNCTIONS); do echo; echo "-- $$f"; cat $$f; done; } >$@
sql-built/pg_cadence--%--$(EXTVERSION).sql: src/sql/updates/%--$(EXTVERSION).sql $(SQL_FUNCTIONS) pg_cadence.control
	@mkdir -p sql-built
	{ echo '-- pg_cadence $*--$(EXTVERSION): update script (ALTER EXTENSION pg_cadence UPDATE), built from src/sql'; \
	  printf '%s\n' '\echo Use "ALTER EXTENSION pg_cadence UPDATE" to load this file. \quit'; \
	  for f in $< $(SQL_FUNCTIONS); do echo; echo "-- $$f"; cat $$f; done; } >$@

# One suite at a time, for scripts/test (installcheck runs all three).
.PHONY: installcheck-regress installcheck-isolation installcheck-tap
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
installcheck-tap:
	$(prove_installcheck)

# A PGXN distribution (https://pgxn.org/spec/): the committed tree as
# pg_cadence-<version>.zip with META.json at its top; PGXN's client builds it with
# `make && make install` (scripts/check-packages does so from the unpacked zip).
DIST = $(EXTENSION)-$(EXTVERSION).zip
EXTRA_CLEAN += $(DIST)
.PHONY: dist
dist:
	git archive --format=zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(DIST) HEAD
