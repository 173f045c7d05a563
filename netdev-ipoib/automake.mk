# The "ipoib" netdev class.
noinst_LIBRARIES += netdev-ipoib/libnetdev-ipoib.a
netdev_ipoib_libnetdev_ipoib_a_SOURCES = \
	netdev-ipoib/ipoib-announce.c \
	netdev-ipoib/ipoib-announce.h \
	netdev-ipoib/ipoib-datapath.c \
	netdev-ipoib/ipoib-learned-port.c \
	netdev-ipoib/ipoib-learned-port.h \
	netdev-ipoib/ipoib-membership.c \
	netdev-ipoib/ipoib-mcast-listen.c \
	netdev-ipoib/ipoib-mcast-listen.h \
	netdev-ipoib/ipoib-mcast-snoop.c \
	netdev-ipoib/ipoib-mcast-snoop.h \
	netdev-ipoib/ipoib-mcast-table.c \
	netdev-ipoib/ipoib-mcast-table.h \
	netdev-ipoib/ipoib-offload.c \
	netdev-ipoib/ipoib-offload.h \
	netdev-ipoib/ipoib-partition.c \
	netdev-ipoib/ipoib-partition.h \
	netdev-ipoib/ipoib-path-cache.c \
	netdev-ipoib/ipoib-path-cache.h \
	netdev-ipoib/ipoib-show.c \
	netdev-ipoib/netdev-ipoib-private.h \
	netdev-ipoib/netdev-ipoib.c \
	netdev-ipoib/netdev-ipoib.h
