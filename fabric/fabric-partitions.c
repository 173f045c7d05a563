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

#include <config.h>
#include "fabric/fabric-partitions.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define DEFAULT_PKEY 0x7fff
#define MAX_NAME_LEN 63
#define MAX_FILE_SIZE (1024 * 1024)

struct parser {
    const char *text;           /* Comments blanked out. */
    const char *file_name;
    char *error;                /* First error, if any. */
};

/* A piece of the text: [start, end) offsets, whitespace trimmed. */
struct span {
    size_t start, end;
};

static int
line_of(const struct parser *p, size_t ofs)
{
    int line = 1;

    for (size_t i = 0; i < ofs && p->text[i]; i++) {
        line += p->text[i] == '\n';
    }
    return line;
}

static void OVS_PRINTF_FORMAT(3, 4)
parse_error(struct parser *p, size_t ofs, const char *format, ...)
{
    va_list args;
    char *msg;

    if (p->error) {
        return;
    }
    va_start(args, format);
    msg = xvasprintf(format, args);
    va_end(args);
    p->error = xasprintf("%s:%d: %s", p->file_name, line_of(p, ofs), msg);
    free(msg);
}

static struct span
trim(const struct parser *p, size_t start, size_t end)
{
    while (start < end && isspace((unsigned char) p->text[start])) {
        start++;
    }
    while (end > start && isspace((unsigned char) p->text[end - 1])) {
        end--;
    }
    return (struct span) { start, end };
}

static char *
span_str(const struct parser *p, struct span s)
{
    return xmemdup0(p->text + s.start, s.end - s.start);
}

/* Splits [start, end) at 'delim' into at most 'max' trimmed spans.
 * Returns the number of spans, or SIZE_MAX if there are too many. */
static size_t
split(const struct parser *p, size_t start, size_t end, char delim,
      struct span spans[], size_t max)
{
    size_t n = 0;
    size_t item = start;

    for (size_t i = start; i <= end; i++) {
        if (i == end || p->text[i] == delim) {
            if (n >= max) {
                return SIZE_MAX;
            }
            spans[n++] = trim(p, item, i);
            item = i + 1;
        }
    }
    return n;
}

/* Parses an unsigned number (decimal or 0x hex) in 's' that must be in
 * [min, max]. */
static bool
parse_number(const char *s, unsigned long long int min,
             unsigned long long int max, unsigned long long int *valuep)
{
    unsigned long long int value;
    char *tail;

    if (!isdigit((unsigned char) s[0])) {
        return false;
    }
    errno = 0;
    value = strtoull(s, &tail, 0);
    if (errno || *tail || value < min || value > max) {
        return false;
    }
    *valuep = value;
    return true;
}

uint32_t
fabric_mtu_from_code(int code)
{
    return code >= 1 && code <= 5 ? 128u << code : 0;
}

int
fabric_mtu_to_code(uint32_t mtu)
{
    for (int code = 5; code >= 1; code--) {
        if (mtu >= fabric_mtu_from_code(code)) {
            return code;
        }
    }
    return 0;
}

static bool
parse_membership(const char *s, unsigned int *membership)
{
    if (!strcasecmp(s, "full")) {
        *membership = FABRIC_MEMBER_FULL;
    } else if (!strcasecmp(s, "limited")) {
        *membership = FABRIC_MEMBER_LIMITED;
    } else if (!strcasecmp(s, "both")) {
        *membership = FABRIC_MEMBER_BOTH;
    } else {
        return false;
    }
    return true;
}

static bool
valid_name(const char *name)
{
    size_t len = strlen(name);

    if (!len || len > MAX_NAME_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char) name[i]) && !strchr("_-.", name[i])) {
            return false;
        }
    }
    return true;
}

/* "Name[=PKey]". */
static void
parse_name(struct parser *p, struct span s, struct fabric_partition *part)
{
    char *item = span_str(p, s);
    char *eq = strchr(item, '=');
    unsigned long long int pkey;

    if (eq) {
        *eq = '\0';
    }
    /* Trim around '=' as well: "Default = 0x7fff". */
    char *name = item;
    size_t len = strlen(name);
    while (len && isspace((unsigned char) name[len - 1])) {
        name[--len] = '\0';
    }
    if (!valid_name(name)) {
        parse_error(p, s.start, "bad partition name \"%s\" (letters, "
                    "digits, '_', '-', '.'; at most %d)", name,
                    MAX_NAME_LEN);
        goto out;
    }
    part->name = xstrdup(name);

    if (eq) {
        char *value = eq + 1;
        while (isspace((unsigned char) *value)) {
            value++;
        }
        /* The membership bit is not part of a partition's number. */
        if (!parse_number(value, 0, 0xffff, &pkey)
            || !(pkey & 0x7fff)) {
            parse_error(p, s.start, "bad P_Key \"%s\" for partition %s "
                        "(expected 0x0001...0x7fff)", value, name);
            goto out;
        }
        part->pkey = pkey & 0x7fff;
    } else if (!strcmp(name, "Default")) {
        part->pkey = DEFAULT_PKEY;
    } else {
        parse_error(p, s.start, "partition %s has no P_Key (write %s=0xNNNN)",
                    name, name);
    }
out:
    free(item);
}

/* One "key=value" or "ipoib" flag. */
static void
parse_flag(struct parser *p, struct span s, struct fabric_partition *part)
{
    char *item = span_str(p, s);
    char *value = strchr(item, '=');
    unsigned long long int n;
    char *key = item;

    if (value) {
        *value++ = '\0';
        while (isspace((unsigned char) *value)) {
            value++;
        }
        size_t len = strlen(key);
        while (len && isspace((unsigned char) key[len - 1])) {
            key[--len] = '\0';
        }
    }

    if (!*key) {
        parse_error(p, s.start, "empty flag in partition %s", part->name);
    } else if (!strcasecmp(key, "ipoib")) {
        if (value) {
            parse_error(p, s.start, "flag ipoib takes no value");
        }
        part->ipoib = true;
    } else if (!value) {
        parse_error(p, s.start, "unknown flag \"%s\" in partition %s",
                    key, part->name);
    } else if (!strcasecmp(key, "mtu")) {
        if (!parse_number(value, 1, 5, &n)) {
            parse_error(p, s.start, "bad mtu \"%s\" (expected 1...5 for "
                        "256...4096 bytes)", value);
        } else {
            part->mtu_code = n;
            part->mtu = fabric_mtu_from_code(n);
        }
    } else if (!strcasecmp(key, "rate")) {
        if (!parse_number(value, 2, 31, &n)) {
            parse_error(p, s.start, "bad rate \"%s\" (expected 2...31)",
                        value);
        } else {
            part->rate = n;
        }
    } else if (!strcasecmp(key, "sl")) {
        if (!parse_number(value, 0, 15, &n)) {
            parse_error(p, s.start, "bad sl \"%s\" (expected 0...15)", value);
        } else {
            part->sl = n;
        }
    } else if (!strcasecmp(key, "scope")) {
        if (!parse_number(value, 1, 15, &n)) {
            parse_error(p, s.start, "bad scope \"%s\" (expected 1...15)",
                        value);
        } else {
            part->scope = n;
        }
    } else if (!strcasecmp(key, "defmember")) {
        if (!parse_membership(value, &part->defmember)) {
            parse_error(p, s.start, "bad defmember \"%s\" (expected full, "
                        "limited or both)", value);
        }
    } else {
        parse_error(p, s.start, "unknown flag \"%s\" in partition %s",
                    key, part->name);
    }
    free(item);
}

/* One "member[=full|limited|both]". */
static void
parse_member(struct parser *p, struct span s,
             struct fabric_partition_member *member)
{
    static const struct {
        const char *name;
        enum fabric_member_kind kind;
    } keywords[] = {
        { "ALL", FABRIC_MEMBER_ALL },
        { "ALL_CAS", FABRIC_MEMBER_ALL_CAS },
        { "ALL_SWITCHES", FABRIC_MEMBER_ALL_SWITCHES },
        { "ALL_ROUTERS", FABRIC_MEMBER_ALL_ROUTERS },
        { "SELF", FABRIC_MEMBER_SELF },
    };
    char *item = span_str(p, s);
    char *value = strchr(item, '=');
    unsigned long long int guid;
    char *who = item;
    size_t i;

    member->membership = 0;     /* The partition's default. */
    if (value) {
        *value++ = '\0';
        while (isspace((unsigned char) *value)) {
            value++;
        }
        size_t len = strlen(who);
        while (len && isspace((unsigned char) who[len - 1])) {
            who[--len] = '\0';
        }
        if (!parse_membership(value, &member->membership)) {
            parse_error(p, s.start, "bad membership \"%s\" for %s (expected "
                        "full, limited or both)", value, who);
            goto out;
        }
    }

    for (i = 0; i < ARRAY_SIZE(keywords); i++) {
        if (!strcmp(who, keywords[i].name)) {
            member->kind = keywords[i].kind;
            goto out;
        }
    }
    if ((who[0] == '0' && (who[1] == 'x' || who[1] == 'X'))
        && parse_number(who, 1, UINT64_MAX, &guid)) {
        member->kind = FABRIC_MEMBER_GUID;
        member->guid = guid;
    } else {
        parse_error(p, s.start, "bad member \"%s\" (expected ALL, ALL_CAS, "
                    "ALL_SWITCHES, ALL_ROUTERS, SELF or a 0x port GUID)",
                    who);
    }
out:
    free(item);
}

static void
check_duplicates(struct parser *p, const struct fabric_partitions *parts,
                 const struct fabric_partition *part, size_t ofs)
{
    for (size_t i = 0; i < parts->n; i++) {
        const struct fabric_partition *other = &parts->parts[i];

        if (!strcmp(other->name, part->name)) {
            parse_error(p, ofs, "duplicate partition name %s (first "
                        "defined at line %d)", part->name, other->line);
        } else if (other->pkey == part->pkey) {
            parse_error(p, ofs, "partition %s has the same P_Key 0x%04x as "
                        "partition %s (line %d)", part->name, part->pkey,
                        other->name, other->line);
        }
    }
}

#define MAX_ITEMS 1024

/* Parses the definition in [start, end), without its ';'. */
static void
parse_definition(struct parser *p, size_t start, size_t end,
                 struct fabric_partitions *parts)
{
    struct span *items = xmalloc(MAX_ITEMS * sizeof *items);
    struct fabric_partition part;
    const char *colon;
    size_t n, i;

    memset(&part, 0, sizeof part);
    part.line = line_of(p, start);
    part.mtu_code = 4;
    part.mtu = fabric_mtu_from_code(4);
    part.rate = 3;
    part.scope = IPOIB_SCOPE_LINK_LOCAL;
    part.defmember = FABRIC_MEMBER_LIMITED;

    colon = memchr(p->text + start, ':', end - start);
    if (!colon) {
        parse_error(p, start, "missing ':' between partition name and "
                    "members");
        goto out;
    }

    n = split(p, start, colon - p->text, ',', items, MAX_ITEMS);
    if (n == SIZE_MAX) {
        parse_error(p, start, "too many flags");
        goto out;
    }
    parse_name(p, items[0], &part);
    for (i = 1; i < n && !p->error; i++) {
        parse_flag(p, items[i], &part);
    }
    if (p->error) {
        goto out;
    }
    check_duplicates(p, parts, &part, start);

    struct span list = trim(p, colon - p->text + 1, end);
    if (list.start < list.end) {
        n = split(p, list.start, list.end, ',', items, MAX_ITEMS);
        if (n == SIZE_MAX) {
            parse_error(p, list.start, "too many members (at most %d)",
                        MAX_ITEMS);
            goto out;
        }
        part.members = xcalloc(n, sizeof *part.members);
        for (i = 0; i < n && !p->error; i++) {
            if (items[i].start == items[i].end) {
                parse_error(p, items[i].start, "empty member in partition "
                            "%s", part.name);
                break;
            }
            parse_member(p, items[i], &part.members[i]);
            part.n_members++;
        }
    }
    if (p->error) {
        goto out;
    }

    /* Members without their own membership take the default now, so that
     * users of the table need not know about 'defmember'. */
    for (i = 0; i < part.n_members; i++) {
        if (!part.members[i].membership) {
            part.members[i].membership = part.defmember;
        }
    }
    parts->parts = xrealloc(parts->parts,
                            (parts->n + 1) * sizeof *parts->parts);
    parts->parts[parts->n++] = part;
    memset(&part, 0, sizeof part);

out:
    free(part.name);
    free(part.members);
    free(items);
}

/* Copies 'text' with every comment replaced by spaces. */
static char *
blank_comments(const char *text)
{
    char *copy = xstrdup(text);
    bool in_comment = false;

    for (char *c = copy; *c; c++) {
        if (*c == '#') {
            in_comment = true;
        } else if (*c == '\n') {
            in_comment = false;
        }
        if (in_comment) {
            *c = ' ';
        }
    }
    return copy;
}

char *
fabric_partitions_parse(const char *text, const char *file_name,
                        struct fabric_partitions *parts)
{
    char *copy = blank_comments(text);
    struct parser p = {
        .text = copy,
        .file_name = file_name,
        .error = NULL,
    };
    size_t len = strlen(copy);
    size_t start = 0;

    parts->parts = NULL;
    parts->n = 0;
    for (size_t i = 0; i < len && !p.error; i++) {
        if (copy[i] == ';') {
            struct span def = trim(&p, start, i);

            if (def.start == def.end) {
                parse_error(&p, i, "empty partition definition before ';'");
            } else {
                parse_definition(&p, def.start, def.end, parts);
            }
            start = i + 1;
        }
    }
    if (!p.error) {
        struct span rest = trim(&p, start, len);
        if (rest.start != rest.end) {
            parse_error(&p, rest.start, "partition definition does not end "
                        "with ';'");
        }
    }
    if (!p.error && !parts->n) {
        parse_error(&p, len, "no partitions defined");
    }

    free(copy);
    if (p.error) {
        fabric_partitions_destroy(parts);
    }
    return p.error;
}

char *
fabric_partitions_read(const char *file_name,
                       struct fabric_partitions *parts)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    char *error;
    FILE *file;

    parts->parts = NULL;
    parts->n = 0;
    file = fopen(file_name, "r");
    if (!file) {
        return xasprintf("%s: open failed (%s)", file_name,
                         ovs_strerror(errno));
    }
    for (;;) {
        int c = getc(file);
        if (c == EOF) {
            break;
        }
        if (c == '\0' || text.length >= MAX_FILE_SIZE) {
            fclose(file);
            ds_destroy(&text);
            return xasprintf("%s: not a text file of at most %d bytes",
                             file_name, MAX_FILE_SIZE);
        }
        ds_put_char(&text, c);
    }
    fclose(file);

    error = fabric_partitions_parse(ds_cstr(&text), file_name, parts);
    ds_destroy(&text);
    return error;
}

void
fabric_partitions_destroy(struct fabric_partitions *parts)
{
    for (size_t i = 0; i < parts->n; i++) {
        free(parts->parts[i].name);
        free(parts->parts[i].members);
    }
    free(parts->parts);
    parts->parts = NULL;
    parts->n = 0;
}

unsigned int
fabric_partition_membership(const struct fabric_partition *part,
                            uint64_t guid)
{
    unsigned int membership = 0;

    for (size_t i = 0; i < part->n_members; i++) {
        const struct fabric_partition_member *m = &part->members[i];

        if (m->kind == FABRIC_MEMBER_ALL || m->kind == FABRIC_MEMBER_ALL_CAS
            || (m->kind == FABRIC_MEMBER_GUID && m->guid == guid)) {
            membership |= m->membership;
        }
    }
    return membership;
}
