# Signature of the current package: autotest reads this, and it must come
# before OVS's package.m4 on the include path.
m4_define([AT_PACKAGE_NAME],      [ovs-ipoib])
m4_define([AT_PACKAGE_TARNAME],   [ovs-ipoib])
m4_define([AT_PACKAGE_VERSION],   [0.1.0])
m4_define([AT_PACKAGE_STRING],    [ovs-ipoib 0.1.0])
m4_define([AT_PACKAGE_BUGREPORT], [ovs-ipoib@example.invalid])
