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

#ifndef IPOIB_EVENT_QUEUE_H
#define IPOIB_EVENT_QUEUE_H 1

/* The queue of events a transport backend keeps for poll_event(): a fixed
 * ring, so that a port that is never polled holds a bounded amount of
 * memory (a full queue refuses the newest event and the backend logs it). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include "transport/ipoib-transport.h"

#define IPOIB_EVENT_QUEUE_SIZE 1024

struct ipoib_event_queue {
    struct ipoib_event events[IPOIB_EVENT_QUEUE_SIZE];
    size_t head;                /* Oldest event. */
    size_t count;
};

static inline bool
ipoib_event_queue_is_empty(const struct ipoib_event_queue *q)
{
    return !q->count;
}

/* Appends 'ev'; returns false, leaving the queue alone, if it is full. */
static inline bool
ipoib_event_queue_push(struct ipoib_event_queue *q,
                       const struct ipoib_event *ev)
{
    if (q->count >= IPOIB_EVENT_QUEUE_SIZE) {
        return false;
    }
    q->events[(q->head + q->count++) % IPOIB_EVENT_QUEUE_SIZE] = *ev;
    return true;
}

/* Takes the oldest event into '*ev' and returns 0, or returns EAGAIN. */
static inline int
ipoib_event_queue_pop(struct ipoib_event_queue *q, struct ipoib_event *ev)
{
    if (!q->count) {
        return EAGAIN;
    }
    *ev = q->events[q->head];
    q->head = (q->head + 1) % IPOIB_EVENT_QUEUE_SIZE;
    q->count--;
    return 0;
}

#endif /* ipoib-event-queue.h */
