#! /bin/sh
# The test command (README.md): builds ovs-ipoib and runs the whole autotest
# suite.  Extra arguments go to the testsuite (e.g. -k e2e, -j2, -v).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/build-aux/build.sh"
cd "$top/_build"
make tests/testsuite >/dev/null 2>&1 || make tests/testsuite
make -j"$(nproc)" $(sed -n 's/^check_PROGRAMS = //p' Makefile | tr -d '\\') \
    >/dev/null 2>&1 || true
make check TESTSUITEFLAGS="${*:--j2}"
