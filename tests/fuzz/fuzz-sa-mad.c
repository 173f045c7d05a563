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


/* Fuzz target: the SA answers that the verbs backend reads from libibumad
 * (transport/ib-sa-mad): a MAD header, then a PathRecord or MCMemberRecord,
 * as ib-sa-client.c decodes them.  The input is the MAD. */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "transport/ib-sa-mad.h"
#include "tests/fuzz/fuzz-target.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    uint8_t *mad = xmemdup(input, size);
    struct ib_sa_mad_hdr hdr;

    if (!ib_sa_mad_decode_hdr(mad, size, &hdr)) {
        struct ib_sa_path_rec path;
        struct ib_sa_mcmember member;

        ovs_assert(size >= IB_SA_MAD_HDR_LEN);
        if (!ib_sa_mad_decode_path(mad, size, &path)) {
            ovs_assert(size >= IB_SA_MAD_HDR_LEN + IB_SA_PATH_REC_LEN);
        }
        if (!ib_sa_mad_decode_mcmember(mad, size, &member)) {
            ovs_assert(size >= IB_SA_MAD_HDR_LEN + IB_SA_MCMEMBER_REC_LEN);
        }
        ib_sa_status_to_errno(hdr.status);
    }
    free(mad);
    return 0;
}
