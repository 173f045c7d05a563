# Our ovs-vswitchd: OVS's own vswitchd objects, unchanged, plus the plugin
# that registers the ipoib netdev class (see ofproto-plugin/ipoib-plugin.c
# for why it is linked with --wrap).  It is installed in its own directory,
# not in sbindir beside (or over) the distribution's ovs-vswitchd: OVS's
# ovs-ctl runs it from there when OVS_SBINDIR names that directory (see
# debian/ovs-vswitchd.service.d/ovs-ipoib.conf).
ipoibsbindir = $(libexecdir)/ovs-ipoib
ipoibsbin_PROGRAMS = vswitchd/ovs-vswitchd
vswitchd_ovs_vswitchd_SOURCES = \
	ofproto-plugin/ipoib-plugin.c \
	ofproto-plugin/ipoib-unixctl.c \
	ofproto-plugin/ipoib-unixctl.h \
	ofproto-plugin/ipoib-vif-monitor.c \
	ofproto-plugin/ipoib-vif-monitor.h
vswitchd_ovs_vswitchd_CPPFLAGS = $(AM_CPPFLAGS) -I$(OVS_SRCDIR)/vswitchd
OVS_VSWITCHD_OBJS = \
	$(OVS_BUILDDIR)/vswitchd/bridge.o \
	$(OVS_BUILDDIR)/vswitchd/ovs-vswitchd.o \
	$(OVS_BUILDDIR)/vswitchd/system-stats.o
vswitchd_ovs_vswitchd_LDADD = \
	$(OVS_VSWITCHD_OBJS) \
	netdev-ipoib/libnetdev-ipoib.a \
	transport/libtransport.a \
	fabric/libfabric.a \
	lib/libipoib.a \
	$(OVS_LIBS) $(RDMA_LIBS)
vswitchd_ovs_vswitchd_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=bridge_init -Wl,--wrap=bridge_run -Wl,--wrap=bridge_wait
