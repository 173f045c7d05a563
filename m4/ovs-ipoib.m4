# -*- autoconf -*-

# Copyright (c) 2026 The ovs-ipoib authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

dnl IPOIB_CHECK_OVS
dnl
dnl Finds the Open vSwitch source and build trees given by --with-ovs-source
dnl and --with-ovs-build (the same directory for an in-tree build), checks
dnl that OVS has been built there, and takes the system libraries OVS was
dnl linked with from its Makefile, so that our binaries link the same way.
AC_DEFUN([IPOIB_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
    [AS_HELP_STRING([--with-ovs-source=DIR],
                    [Open vSwitch 3.1 source tree])],
    [OVS_SRCDIR=$withval], [OVS_SRCDIR=])
  AC_ARG_WITH([ovs-build],
    [AS_HELP_STRING([--with-ovs-build=DIR],
                    [Open vSwitch build tree (default: the source tree)])],
    [OVS_BUILDDIR=$withval], [OVS_BUILDDIR=$OVS_SRCDIR])

  AS_IF([test -z "$OVS_SRCDIR"],
    [AC_MSG_ERROR([--with-ovs-source=DIR is required (build-aux/prepare-ovs.sh prepares one)])])
  OVS_SRCDIR=`cd "$OVS_SRCDIR" && pwd` ||
    AC_MSG_ERROR([$OVS_SRCDIR: no such directory])
  OVS_BUILDDIR=`cd "$OVS_BUILDDIR" && pwd` ||
    AC_MSG_ERROR([$OVS_BUILDDIR: no such directory])

  AC_MSG_CHECKING([for an Open vSwitch source tree])
  AS_IF([test -f "$OVS_SRCDIR/lib/netdev-provider.h" &&
         test -f "$OVS_SRCDIR/vswitchd/bridge.h"],
    [AC_MSG_RESULT([$OVS_SRCDIR])],
    [AC_MSG_ERROR([$OVS_SRCDIR does not look like an Open vSwitch source tree])])

  AC_MSG_CHECKING([for a built Open vSwitch])
  AS_IF([test -f "$OVS_BUILDDIR/config.h" &&
         test -f "$OVS_BUILDDIR/lib/.libs/libopenvswitch.a" &&
         test -f "$OVS_BUILDDIR/ofproto/.libs/libofproto.a" &&
         test -f "$OVS_BUILDDIR/vswitchd/bridge.o"],
    [AC_MSG_RESULT([$OVS_BUILDDIR])],
    [AC_MSG_ERROR([Open vSwitch is not built in $OVS_BUILDDIR (run make there)])])

  AC_MSG_CHECKING([Open vSwitch version])
  OVS_VERSION=`$SED -n 's/^PACKAGE_VERSION = //p' "$OVS_BUILDDIR/Makefile"`
  AC_MSG_RESULT([$OVS_VERSION])
  AS_CASE([$OVS_VERSION], [3.1.*], [],
    [AC_MSG_WARN([ovs-ipoib is developed against Open vSwitch 3.1])])

  dnl System libraries that OVS's own binaries link with.
  ovs_mk_var() {
    $SED -n "s/^$[]1 = //p" "$OVS_BUILDDIR/Makefile"
  }
  OVS_SYSTEM_LIBS="`ovs_mk_var SSL_LIBS` `ovs_mk_var CAPNG_LDADD` `ovs_mk_var LIBS` `ovs_mk_var PTHREAD_LIBS` -lpthread"
  AC_MSG_CHECKING([libraries Open vSwitch links with])
  AC_MSG_RESULT([$OVS_SYSTEM_LIBS])

  OVS_WARNING_FLAGS=`ovs_mk_var WARNING_FLAGS`
  AC_SUBST([OVS_WARNING_FLAGS])

  dnl OVS's static libraries in one group, so that their order does not
  dnl matter, then the system libraries.  (A configure substitution, since
  dnl automake refuses linker flags in _LDADD.)
  OVS_LIBS="-Wl,--start-group $OVS_BUILDDIR/ofproto/.libs/libofproto.a"
  OVS_LIBS="$OVS_LIBS $OVS_BUILDDIR/lib/.libs/libsflow.a"
  OVS_LIBS="$OVS_LIBS $OVS_BUILDDIR/lib/.libs/libopenvswitch.a"
  if test -f "$OVS_BUILDDIR/lib/.libs/libopenvswitchavx512.a"; then
    OVS_LIBS="$OVS_LIBS $OVS_BUILDDIR/lib/.libs/libopenvswitchavx512.a"
  fi
  OVS_LIBS="$OVS_LIBS -Wl,--end-group $OVS_SYSTEM_LIBS"
  AC_SUBST([OVS_LIBS])

  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
  AC_SUBST([OVS_SYSTEM_LIBS])
])

dnl IPOIB_CHECK_RDMA
dnl
dnl Looks for libibverbs and libibumad (rdma-core), headers and libraries,
dnl unless --without-rdma.  Defines the automake conditional HAVE_RDMA and
dnl substitutes RDMA_LIBS ("-libverbs -libumad", empty without them).
dnl --with-rdma makes their absence an error; the default is to use them
dnl when found.
AC_DEFUN([IPOIB_CHECK_RDMA], [
  AC_ARG_WITH([rdma],
    [AS_HELP_STRING([--without-rdma],
                    [do not build the libibverbs/libibumad backends])],
    [], [with_rdma=check])
  HAVE_RDMA=no
  RDMA_LIBS=
  AS_IF([test "$with_rdma" != no], [
    HAVE_RDMA=yes
    AC_CHECK_HEADERS([infiniband/verbs.h infiniband/umad.h infiniband/umad_sa.h],
      [], [HAVE_RDMA=no])
    AC_CHECK_LIB([ibverbs], [ibv_get_device_list], [:], [HAVE_RDMA=no])
    AC_CHECK_LIB([ibumad], [umad_get_port], [:], [HAVE_RDMA=no])
    AS_IF([test "$HAVE_RDMA" = yes],
      [RDMA_LIBS="-libverbs -libumad"],
      [test "$with_rdma" = yes],
      [AC_MSG_ERROR([--with-rdma: libibverbs or libibumad (headers or library) not found])])
  ])
  AC_MSG_CHECKING([whether to build the RDMA (verbs/umad) backends])
  AC_MSG_RESULT([$HAVE_RDMA])
  AC_SUBST([RDMA_LIBS])
  AM_CONDITIONAL([HAVE_RDMA], [test "$HAVE_RDMA" = yes])
])
