# omendb: the product build (PGXS). `make && make install`, then `make installcheck`.
# `make test` runs every test of the project (scripts/test).

EXTENSION = omendb
MODULE_big = omendb
DATA := $(wildcard omendb--*.sql)
PGFILEDESC = "omendb - learned indexes (ALEX) and columnar storage"

# Objects go under build/pgxs so that alex/ (also built by CMake) stays clean.
C_SRCS := $(wildcard src/*.c src/alex/*.c src/columnar/*.c)
CXX_SRCS := $(wildcard alex/src/*.cpp)
OBJS := $(patsubst %,build/pgxs/%.o,$(basename $(C_SRCS) $(CXX_SRCS)))

PG_CPPFLAGS = -Isrc -Ialex/include
# -Wno-register: PostgreSQL headers still use `register`, an error in C++17.
PG_CXXFLAGS = -std=c++17 -Wno-register -O2
SHLIB_LINK += -lstdc++ -lzstd -llz4

# The JIT's bitcode would only speed up expressions calling our SQL functions, none
# of them hot; without it the build needs no clang and matches the meson build.
override with_llvm = no

REGRESS = extension alex_basic alex_types alex_nulls alex_ddl alex_vacuum \
	columnar_types columnar_xact columnar_index columnar_ddl columnar_dml columnar_scan columnar_agg columnar_fetch \
	columnar_analyze
REGRESS_OPTS = --temp-instance=tmp_check
NO_LOCALE = 1

# Isolation specs and TAP tests are picked up as soon as their files exist.
ISOLATION := $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --temp-instance=tmp_check_iso
ifneq ($(wildcard t/*.pl),)
TAP_TESTS = 1
endif

EXTRA_CLEAN = build/pgxs

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else ifneq ($(MAKECMDGOALS),test)
$(error $(PG_CONFIG) not found: install postgresql-server-dev-15 or set PG_CONFIG (make test installs what it needs))
endif

# -MMD: Debian's PGXS tracks no header dependencies, so a changed header in
# alex/include would otherwise leave stale objects.
build/pgxs/%.o: %.c
	@mkdir -p $(@D)
	$(COMPILE.c) -MMD -MP -o $@ $<

build/pgxs/%.o: %.cpp
	@mkdir -p $(@D)
	$(COMPILE.cc) -MMD -MP -o $@ $<

-include $(OBJS:.o=.d)

.PHONY: test
test:
	bash scripts/test
