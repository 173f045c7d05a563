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

/* The main() of a fuzz target built without libFuzzer: runs every file
 * named on the command line, or every file in a directory named there,
 * through LLVMFuzzerTestOneInput() once, and says how many it ran.  A
 * broken invariant aborts, naming the file first. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz-target.h"
#include "util.h"

static size_t n_inputs;

static void
replay_file(const char *name)
{
    FILE *file = fopen(name, "rb");
    if (!file) {
        ovs_fatal(errno, "%s: open failed", name);
    }

    size_t size = 0, cap = 4096;
    uint8_t *data = xmalloc(cap);
    size_t n;
    while ((n = fread(data + size, 1, cap - size, file)) > 0) {
        size += n;
        if (size == cap) {
            cap *= 2;
            data = xrealloc(data, cap);
        }
    }
    if (ferror(file)) {
        ovs_fatal(errno, "%s: read failed", name);
    }
    fclose(file);

    /* An exact-size copy, so that AddressSanitizer sees overreads. */
    uint8_t *input = xmemdup(data, size);
    free(data);
    fprintf(stderr, "replaying %s\n", name);
    LLVMFuzzerTestOneInput(input, size);
    free(input);
    n_inputs++;
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

/* The files of 'dir', in name order so that runs are repeatable. */
static void
replay_dir(const char *dir_name)
{
    DIR *dir = opendir(dir_name);
    if (!dir) {
        ovs_fatal(errno, "%s: opendir failed", dir_name);
    }

    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            names = x2nrealloc(names, &cap, sizeof *names);
        }
        names[n++] = xasprintf("%s/%s", dir_name, de->d_name);
    }
    closedir(dir);

    qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        replay_file(names[i]);
        free(names[i]);
    }
    free(names);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        ovs_fatal(0, "usage: %s FILE|DIRECTORY...  (replays fuzz inputs)",
                  argv[0]);
    }
    for (int i = 1; i < argc; i++) {
        struct stat s;

        if (stat(argv[i], &s)) {
            ovs_fatal(errno, "%s", argv[i]);
        }
        if (S_ISDIR(s.st_mode)) {
            replay_dir(argv[i]);
        } else {
            replay_file(argv[i]);
        }
    }
    printf("replayed %"PRIuSIZE" inputs\n", n_inputs);
    return 0;
}
