#include <config.h>
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

/* Configuration from the environment and the port control file. */

#include "fv-private.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct fv_config config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static bool
parse_u64(const char *s, int base, uint64_t *value)
{
    char digits[64];
    size_t n = 0;

    /* GUIDs may be written as ibstat shows them ("0x0002c903...") or
     * with colons ("0002:c903:0000:0001"). */
    for (; *s && n < sizeof digits - 1; s++) {
        if (*s != ':') {
            digits[n++] = *s;
        }
    }
    digits[n] = '\0';
    if (!n) {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, base);
    if (errno || *end) {
        return false;
    }
    *value = v;
    return true;
}

static uint64_t
env_u64(const char *name, int base, uint64_t dflt, uint64_t max)
{
    const char *s = getenv(name);
    uint64_t v;

    return s && parse_u64(s, base, &v) && v <= max ? v : dflt;
}

static void
env_str(const char *name, const char *dflt, char *buf, size_t size)
{
    const char *s = getenv(name);

    snprintf(buf, size, "%s", s && *s ? s : dflt);
}

int
fv_mtu_bytes(enum ibv_mtu mtu)
{
    return mtu >= IBV_MTU_256 && mtu <= IBV_MTU_4096 ? 128 << mtu : 0;
}

static enum ibv_mtu
env_mtu(void)
{
    uint64_t v = env_u64("FAKEVERBS_MTU", 0, 4096, 4096);

    for (enum ibv_mtu m = IBV_MTU_256; m <= IBV_MTU_4096; m++) {
        if (v == m || v == (uint64_t) fv_mtu_bytes(m)) {
            return m;
        }
    }
    return IBV_MTU_4096;
}

static void
parse_pkeys(void)
{
    const char *s = getenv("FAKEVERBS_PKEYS");
    char buf[256];

    snprintf(buf, sizeof buf, "%s", s && *s ? s : "0xffff");
    config.n_pkeys = 0;
    for (char *save, *tok = strtok_r(buf, ", ", &save);
         tok && config.n_pkeys < FV_MAX_PKEYS;
         tok = strtok_r(NULL, ", ", &save)) {
        uint64_t v;
        if (parse_u64(tok, 16, &v) && v <= 0xffff) {
            config.pkeys[config.n_pkeys++] = v;
        }
    }
    if (!config.n_pkeys) {
        config.pkeys[config.n_pkeys++] = 0xffff;
    }
}

static void
parse_caps(void)
{
    const char *s = getenv("FAKEVERBS_CAPS");
    char buf[128];

    snprintf(buf, sizeof buf, "%s", s ? s : "");
    for (char *save, *tok = strtok_r(buf, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        if (!strcmp(tok, "ipcsum")) {
            config.ipcsum = true;
        } else if (!strcmp(tok, "lso")) {
            config.lso_max = env_u64("FAKEVERBS_LSO_MAX", 0, 65536,
                                     262144);
        }
    }
}

static void
config_init(void)
{
    env_str("FAKEVERBS_DIR", "/tmp/fakeverbs", config.dir,
            sizeof config.dir);
    env_str("FAKEVERBS_DEVICE", "fakeverbs0", config.dev_name,
            sizeof config.dev_name);
    config.lid = env_u64("FAKEVERBS_LID", 0, 1, 0xbfff);
    if (!config.lid) {
        config.lid = 1;
    }
    config.sm_lid = env_u64("FAKEVERBS_SM_LID", 0, 1, 0xbfff);
    config.port_guid = env_u64("FAKEVERBS_GUID", 16,
                               0x00f0000000000000ull + config.lid,
                               UINT64_MAX);
    config.node_guid = env_u64("FAKEVERBS_NODE_GUID", 16, config.port_guid,
                               UINT64_MAX);
    config.gid_prefix = env_u64("FAKEVERBS_GID_PREFIX", 16,
                                0xfe80000000000000ull, UINT64_MAX);
    config.mtu = env_mtu();
    parse_pkeys();
    parse_caps();
}

const struct fv_config *
fv_config(void)
{
    pthread_once(&config_once, config_init);
    return &config;
}

void
fv_port_ctl_name(char *buf, size_t size)
{
    snprintf(buf, size, "%u.port_state", fv_config()->lid);
}

static enum ibv_port_state
parse_port_state(const char *word)
{
    static const char *const names[] = {
        [IBV_PORT_DOWN] = "DOWN", [IBV_PORT_INIT] = "INIT",
        [IBV_PORT_ARMED] = "ARMED", [IBV_PORT_ACTIVE] = "ACTIVE",
    };

    for (int i = IBV_PORT_DOWN; i <= IBV_PORT_ACTIVE; i++) {
        if (!strcasecmp(word, names[i])) {
            return i;
        }
    }
    return IBV_PORT_NOP;
}

/* Reads "$FAKEVERBS_DIR/<lid>.port_state" (the configured LID): a state
 * word (DOWN, INIT, ARMED, ACTIVE), optionally followed by "sm_lid=N" and
 * "lid=N".  No file means an ACTIVE port with FAKEVERBS_SM_LID and
 * FAKEVERBS_LID. */
void
fv_port_ctl_read(int dir_fd, struct fv_port_ctl *ctl)
{
    char name[64], text[256];

    ctl->state = IBV_PORT_ACTIVE;
    ctl->sm_lid = fv_config()->sm_lid;
    ctl->lid = fv_config()->lid;

    fv_port_ctl_name(name, sizeof name);
    if (!fv_read_ctl_file(dir_fd, name, text, sizeof text)) {
        return;
    }

    for (char *save, *tok = strtok_r(text, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        uint64_t v;
        if (!strncmp(tok, "sm_lid=", 7)) {
            if (parse_u64(tok + 7, 0, &v) && v <= 0xbfff) {
                ctl->sm_lid = v;
            }
        } else if (!strncmp(tok, "lid=", 4)) {
            if (parse_u64(tok + 4, 0, &v) && v && v <= 0xbfff) {
                ctl->lid = v;
            }
        } else if (parse_port_state(tok) != IBV_PORT_NOP) {
            ctl->state = parse_port_state(tok);
        }
    }
}
