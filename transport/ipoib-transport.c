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
#include "transport/ipoib-transport.h"
#include <string.h>
#include "util.h"

/* Every backend this build has. */
static const struct ipoib_transport_class *const classes[] = {
    &ipoib_transport_sim,
#ifdef HAVE_RDMA
    &ipoib_transport_verbs,
#endif
};

const struct ipoib_transport_class *
ipoib_transport_find(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
        if (type && !strcmp(classes[i]->type, type)) {
            return classes[i];
        }
    }
    return NULL;
}
