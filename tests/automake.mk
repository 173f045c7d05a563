# The autotest suite.  It includes OVS's own macro files from the OVS source
# tree (autom4te -I), after ours so that our package.m4 wins.

TESTSUITE_AT = \
	tests/testsuite.at \
	tests/ipoib-macros.at \
	tests/ipoib-ibsim-macros.at \
	tests/ipoib-sa.at \
	tests/ipoib-wire.at \
	tests/ipoib-xlate.at \
	tests/ipoib-snoop.at \
	tests/ipoib-fabric.at \
	tests/ipoib-netdev.at \
	tests/ipoib-e2e.at \
	tests/ipoib-vst.at \
	tests/ipoib-offload.at \
	tests/ipoib-migration.at \
	tests/ipoib-listings.at \
	tests/ipoib-openflow.at \
	tests/ipoib-verbs.at \
	tests/ipoib-fakeverbs.at \
	tests/ipoib-dhcp.at \
	tests/ipoib-native.at \
	tests/ipoib-sim-qp-table.at \
	tests/ipoib-fuzz.at

OVS_TESTSUITE_DEPS = \
	$(OVS_SRCDIR)/tests/ovs-macros.at \
	$(OVS_SRCDIR)/tests/ovsdb-macros.at \
	$(OVS_SRCDIR)/tests/ofproto-macros.at \
	$(OVS_SRCDIR)/m4/compat.m4

TESTSUITE = $(srcdir)/tests/testsuite
EXTRA_DIST += $(TESTSUITE_AT) $(TESTSUITE) tests/package.m4 tests/atlocal.in
DISTCLEANFILES += tests/atconfig tests/atlocal

AUTOTEST = autom4te --language=autotest -I $(srcdir)/tests -I $(srcdir) \
	-I $(OVS_SRCDIR)
$(TESTSUITE): $(TESTSUITE_AT) $(srcdir)/tests/package.m4 $(OVS_TESTSUITE_DEPS)
	$(AM_V_GEN)$(AUTOTEST) -C $(srcdir)/tests/autom4te.cache \
	    -o $@.tmp $(srcdir)/tests/testsuite.at && mv $@.tmp $@

# TESTSUITEFLAGS passes options through, e.g. make check TESTSUITEFLAGS=-j2.
check-local: tests/atconfig tests/atlocal $(TESTSUITE) $(check_PROGRAMS) \
		all
	$(SHELL) '$(TESTSUITE)' -C tests $(TESTSUITEFLAGS)

clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
	rm -rf $(srcdir)/tests/autom4te.cache

tests/atconfig: config.status
	$(AM_V_GEN)$(SHELL) ./config.status tests/atconfig

# A rogue host on the simulated fabric (tests/ipoib-e2e.at).
check_PROGRAMS += tests/test-ipoib-inject
tests_test_ipoib_inject_SOURCES = tests/test-ipoib-inject.c
tests_test_ipoib_inject_LDADD = transport/libtransport.a fabric/libfabric.a \
	lib/libipoib.a $(OVS_LIBS) $(RDMA_LIBS)

# Codec micro-benchmark (issue 6): tests/perf/bench-codec.sh runs it.
# --wrap lets it count every heap allocation.
check_PROGRAMS += tests/perf/bench-codec
tests_perf_bench_codec_SOURCES = tests/perf/bench-codec.c
tests_perf_bench_codec_LDADD = lib/libipoib.a $(OVS_LIBS)
tests_perf_bench_codec_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign
EXTRA_DIST += tests/perf/bench-codec.sh

# The MLD/IGMP report parser (tests/ipoib-snoop.at).
check_PROGRAMS += tests/test-ipoib-snoop
tests_test_ipoib_snoop_SOURCES = tests/test-ipoib-snoop.c
tests_test_ipoib_snoop_LDADD = netdev-ipoib/libnetdev-ipoib.a lib/libipoib.a \
	$(OVS_LIBS)

# Receive coalescing as the netdev drives it (tests/ipoib-offload.at).
check_PROGRAMS += tests/test-ipoib-offload-rx
tests_test_ipoib_offload_rx_SOURCES = tests/test-ipoib-offload-rx.c
tests_test_ipoib_offload_rx_LDADD = netdev-ipoib/libnetdev-ipoib.a \
	lib/libipoib.a $(OVS_LIBS)

check_PROGRAMS += tests/perf/bench-scale
tests_perf_bench_scale_SOURCES = tests/perf/bench-scale.c
tests_perf_bench_scale_LDADD = netdev-ipoib/libnetdev-ipoib.a \
	transport/libtransport.a fabric/libfabric.a lib/libipoib.a $(OVS_LIBS) \
	$(RDMA_LIBS)
EXTRA_DIST += tests/perf/bench-scale.sh tests/perf/bench-all.sh

# The SA client against OpenSM on ibsim (tests/ipoib-sa.at); the ibsim
# topology and partition files there serve tests/ipoib-ibsim-macros.at.
if HAVE_RDMA
check_PROGRAMS += tests/test-sa-client tests/test-sa-mad
tests_test_sa_client_SOURCES = tests/test-sa-client.c
tests_test_sa_client_LDADD = transport/libtransport.a lib/libipoib.a \
	$(OVS_LIBS) $(RDMA_LIBS)
tests_test_sa_mad_SOURCES = tests/test-sa-mad.c
tests_test_sa_mad_LDADD = transport/libtransport.a lib/libipoib.a $(OVS_LIBS)
endif
EXTRA_DIST += \
	tests/ibsim/net-4hca \
	tests/ibsim/partitions.conf \
	tests/ibsim/opensm.conf

# The RFC 4390 DHCP rewrite (tests/ipoib-dhcp.at).
check_PROGRAMS += tests/test-ipoib-dhcp
tests_test_ipoib_dhcp_SOURCES = tests/test-ipoib-dhcp.c
tests_test_ipoib_dhcp_LDADD = lib/libipoib.a $(OVS_LIBS)
EXTRA_DIST += tests/ipoib-dhcp.py
