/*
 * Copyright (c) 2026 The ovs-ipoib authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef FABRIC_PARTITIONS_H
#define FABRIC_PARTITIONS_H 1

/* Partition configuration in OpenSM's partitions.conf syntax:
 *
 *     # comment
 *     Name[=PKey][,flag]...[,defmember=full|limited|both] : member,... ;
 *
 * Flags: ipoib, mtu=1..5 (256..4096 bytes), rate=N, sl=0..15, scope=1..15.
 * Members: ALL, ALL_CAS, ALL_SWITCHES, ALL_ROUTERS, SELF or a port GUID,
 * each optionally followed by =full, =limited or =both.  A definition may
 * span lines and ends with ';'.  "Default" without a P_Key is 0x7fff. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/compiler.h"

#define FABRIC_DEFAULT_PARTITIONS "Default=0x7fff, ipoib, mtu=4 : ALL=full;"

/* Membership bits. */
#define FABRIC_MEMBER_FULL 0x1
#define FABRIC_MEMBER_LIMITED 0x2
#define FABRIC_MEMBER_BOTH (FABRIC_MEMBER_FULL | FABRIC_MEMBER_LIMITED)

enum fabric_member_kind {
    FABRIC_MEMBER_ALL,          /* Every port. */
    FABRIC_MEMBER_ALL_CAS,      /* Every channel adapter: every port here. */
    FABRIC_MEMBER_ALL_SWITCHES, /* None here: clients are all CAs. */
    FABRIC_MEMBER_ALL_ROUTERS,  /* None here. */
    FABRIC_MEMBER_SELF,         /* The SM's own port: none here. */
    FABRIC_MEMBER_GUID,
};

struct fabric_partition_member {
    enum fabric_member_kind kind;
    uint64_t guid;              /* FABRIC_MEMBER_GUID only. */
    unsigned int membership;    /* FABRIC_MEMBER_FULL and/or _LIMITED. */
};

struct fabric_partition {
    char *name;
    uint16_t pkey;              /* 15 bits: no membership bit. */
    bool ipoib;
    int mtu_code;               /* 1...5. */
    uint32_t mtu;               /* Bytes. */
    int rate;
    int sl;
    int scope;
    unsigned int defmember;
    struct fabric_partition_member *members;
    size_t n_members;
    int line;                   /* Where it was defined. */
};

struct fabric_partitions {
    struct fabric_partition *parts;
    size_t n;
};

/* Parse 'text' (from 'file_name', for messages).  Return NULL on success,
 * otherwise a malloc'ed "FILE:LINE: message" error (and '*parts' empty).
 * The caller destroys '*parts' either way. */
char *fabric_partitions_parse(const char *text, const char *file_name,
                              struct fabric_partitions *parts)
    OVS_WARN_UNUSED_RESULT;
char *fabric_partitions_read(const char *file_name,
                             struct fabric_partitions *parts)
    OVS_WARN_UNUSED_RESULT;
void fabric_partitions_destroy(struct fabric_partitions *);

/* How the port with 'guid' belongs to 'part': FABRIC_MEMBER_* bits. */
unsigned int fabric_partition_membership(const struct fabric_partition *,
                                         uint64_t guid);

/* Converts an OpenSM MTU code (1...5) to bytes, 0 if invalid, and back. */
uint32_t fabric_mtu_from_code(int code);
int fabric_mtu_to_code(uint32_t mtu);

#endif /* fabric/fabric-partitions.h */
