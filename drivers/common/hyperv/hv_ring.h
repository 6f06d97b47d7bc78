/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * VMBus ring buffer rules (protocol doc §A), written once for both sides:
 * the guest bus driver and the host simulator. Pure C, no DPDK.
 *
 * A ring is one 4 KiB header page followed by a data area whose size is a
 * multiple of 8. Indices are byte offsets into the data area; packets are
 * 8-byte multiples followed by an 8-byte trailer; a ring is never filled
 * completely. Writers may be several threads (or processes, when the
 * struct hv_ring itself lives in shared memory); there is one reader.
 *
 * Nothing read from the peer's half of the header is trusted: an index that
 * is out of range or misaligned makes the call fail with -EIO.
 */

#ifndef HV_RING_H
#define HV_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "hv_vmbus_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Smallest packet a reader can meet: a bare descriptor. */
#define HV_RING_PKT_MIN		((uint32_t)sizeof(struct hv_pkt_desc))

struct hv_ring {
	struct hv_ring_header *hdr;	/* shared with the peer */
	uint8_t *data;			/* hdr->data */
	uint32_t dsize;			/* data area size, multiple of 8 */
	/*
	 * Writer side: next free offset as reserved by producers. Producers
	 * reserve with a compare-and-swap here, copy, then publish
	 * hdr->write_index in reservation order.
	 */
	uint32_t reserve_index;
	/* Reader side: offset of the next unconsumed packet (not yet
	 * published to hdr->read_index). */
	uint32_t read_cursor;
	/* Reader side: the writer's index as last read and checked. Packets
	 * up to it are read without looking at the shared index again, which
	 * the writer keeps moving (one cache-line transfer per look). */
	uint32_t windex_seen;
	/* Set when a writer gave up publishing (peer corrupted the header):
	 * every later write fails with -EIO instead of waiting forever. */
	uint32_t broken;
};

/*
 * How long a writer waits for earlier writers to publish (§A.4). Past it
 * the ring is marked broken for good: a writer preempted or stopped for
 * that long between reserving and publishing (or a process that died
 * there) is indistinguishable from a peer that rewrote write_index.
 */
#define HV_RING_PUBLISH_TIMEOUT_NS	(2ull * 1000 * 1000 * 1000)

/*
 * Result of looking at the next packet in a ring. `data` may point into
 * memory the peer can still write: use `desc`, the copy that was
 * validated, never re-read the descriptor there, and copy any other field
 * before checking it.
 */
struct hv_ring_pkt {
	const void *data;	/* the packet, descriptor first */
	uint32_t len;		/* len8 * 8; what hv_ring_consume() skips */
	struct hv_pkt_desc desc;	/* validated copy: 2 <= offset8 <= len8 */
};

/*
 * Attach to ring memory of `size` bytes (header page + data area).
 * Returns 0, or -EINVAL when size is too small or not a multiple of 8.
 * Reads the current indices so that a writer and a reader resume where the
 * ring stands.
 */
int hv_ring_attach(struct hv_ring *r, void *mem, size_t size);

/*
 * Initialise the header of a ring being created (the side that allocates
 * the ring: the kernel or the host simulator): zero indices and mask,
 * set feature bits.
 */
void hv_ring_init_header(struct hv_ring *r, uint32_t feature_bits);

/* Bytes a writer may still use, given the indices (§A.3). */
static inline uint32_t
hv_ring_space(uint32_t windex, uint32_t rindex, uint32_t dsize)
{
	return windex >= rindex ? dsize - (windex - rindex) : rindex - windex;
}

/* Bytes waiting for the reader, given the indices (§A.3). */
static inline uint32_t
hv_ring_used(uint32_t windex, uint32_t rindex, uint32_t dsize)
{
	return dsize - hv_ring_space(windex, rindex, dsize);
}

/*
 * §A.5: must the writer signal after publishing a packet that started at
 * old_windex? Only when the reader is not masked and the ring was empty.
 */
static inline bool
hv_ring_writer_should_signal(uint32_t interrupt_mask, uint32_t old_windex,
			     uint32_t rindex)
{
	return interrupt_mask == 0 && old_windex == rindex;
}

/*
 * §A.6: must the reader signal the writer after consuming bytes_read bytes,
 * now that free_now bytes are free? Only on the "not enough" -> "enough"
 * transition of the writer's pending_send_sz, and only when the ring
 * advertises the feature.
 */
static inline bool
hv_ring_reader_should_signal(uint32_t feature_bits, uint32_t pending_sz,
			     uint32_t free_now, uint32_t bytes_read)
{
	if (!(feature_bits & HV_RING_FEAT_PENDING_SEND_SZ) || pending_sz == 0)
		return false;
	if (free_now <= pending_sz)
		return false;		/* still not enough room (§A.3) */
	return free_now - bytes_read <= pending_sz; /* was blocked before */
}

/*
 * Write one packet made of the iovecs, padded with zeros to a multiple of
 * 8, then the trailer. Safe against concurrent writers of the same ring.
 * On success *need_signal says whether the reader must be signalled
 * (it is only set, never cleared, so a burst can accumulate it).
 * Returns 0; -EAGAIN when the ring lacks room (nothing written);
 * -EINVAL for an empty or oversized packet; -EIO if an index is corrupt
 * or earlier writers' packets were not published within
 * HV_RING_PUBLISH_TIMEOUT_NS (the ring is then unusable).
 */
int hv_ring_write(struct hv_ring *r, const struct iovec *iov, unsigned int iovcnt,
		  bool *need_signal);

/*
 * A writer's run of packets made visible together: one write_index store,
 * one barrier and one signal decision for the whole run instead of one
 * per packet. The indices share a cache line that the reader polls and
 * writes, so publishing per packet moves that line between the CPUs once
 * per packet (§A.4).
 *
 * Other writers may add packets in between: the batch then publishes
 * what it has so far before going on, so nobody waits on it for longer
 * than it takes to reach its next packet or its end. A thread holding an
 * unpublished batch must not write to the same ring any other way (its
 * own earlier packets would block that write): end the batch first.
 */
struct hv_ring_batch {
	struct hv_ring *r;
	uint32_t start;		/* first byte of our unpublished span */
	uint32_t end;		/* just past our last packet */
	uint32_t rindex;	/* the reader's index as last read */
	bool rindex_ok;		/* rindex has been read in this batch */
	bool pending;		/* [start, end) written, not yet published */
};

void hv_ring_batch_begin(struct hv_ring_batch *b, struct hv_ring *r);

/* Like hv_ring_write(), except that the packet becomes visible only with
 * hv_ring_batch_end() (or when another writer's packet follows it). */
int hv_ring_batch_add(struct hv_ring_batch *b, const struct iovec *iov,
		      unsigned int iovcnt, bool *need_signal);

/*
 * n whole packets of pkt_len bytes each (descriptor included, a multiple
 * of 8: no padding is added), back to back at pkts, each followed by its
 * trailer: one reservation and 8-byte stores, for runs of small packets
 * of one shape (receive completions). All or nothing: -EAGAIN when they
 * do not fit together, -EINVAL when they never could (send fewer).
 */
int hv_ring_batch_add_n(struct hv_ring_batch *b, const void *pkts, uint32_t pkt_len,
			uint32_t n, bool *need_signal);

/*
 * Packets laid out in ring format by the caller, for one reservation and
 * one copy: packet i lies in stage[ends[i-1] (0 for the first), ends[i]),
 * whole (descriptor first, a multiple of 8 bytes), followed by 8 bytes
 * left for its trailer, which is written here. The longest run from the
 * first that fits is added: returns how many (>= 1), -EAGAIN when not
 * even the first fits, -EINVAL for a layout that breaks these rules or
 * whose first packet could never fit, -EIO. The caller keeps the packets
 * it did not add.
 */
int hv_ring_batch_add_staged(struct hv_ring_batch *b, uint8_t *stage, const uint32_t *ends,
			     uint32_t n, bool *need_signal);

/* Publish what the batch holds. 0 or -EIO; *need_signal as above. */
int hv_ring_batch_end(struct hv_ring_batch *b, bool *need_signal);

/* Bytes free for the batch's next packet: one whose padded length plus
 * trailer is below it fits now (0 when the indices make no sense). Only a
 * ring's one writer can count on it staying true. */
uint32_t hv_ring_batch_room(struct hv_ring_batch *b);

/* True while the batch holds packets the reader cannot see yet. */
static inline bool
hv_ring_batch_pending(const struct hv_ring_batch *b)
{
	return b->pending;
}

/*
 * Look at the packet at the read cursor without consuming it.
 * Returns 1 and fills *pkt when a well-formed packet is there: pkt->data
 * points into the ring when the packet is contiguous, else at `scratch`
 * where the packet was copied. Returns 0 when the ring is empty.
 * Errors: -EBADMSG the descriptor is malformed (offset8) but its length is
 * sane, -ENOBUFS the packet wraps and is larger than scratch: in both
 * cases pkt->len is valid and the caller may count and consume it.
 * -EIO: the ring itself is corrupt (index or length beyond the data);
 * nothing can be consumed.
 */
int hv_ring_peek(struct hv_ring *r, struct hv_ring_pkt *pkt,
		 void *scratch, uint32_t scratch_len);

/*
 * Copy len bytes starting off bytes into the packet at the read cursor,
 * wrapping as needed. The caller has checked off + len against the length
 * returned by hv_ring_peek().
 */
void hv_ring_copy_out(const struct hv_ring *r, uint32_t off, void *dst,
		      uint32_t len);

/* Consume the packet at the read cursor (pkt_len from hv_ring_peek()). */
void hv_ring_consume(struct hv_ring *r, uint32_t pkt_len);

/*
 * Consume everything published up to the writer's index as last checked:
 * for a packet whose length is unusable (hv_ring_peek() -EIO with a sane
 * write index), where the next one starts is unknown, but the writer only
 * publishes whole packets, so its index is where reading can start again.
 * Returns the bytes skipped: 0 when the write index itself is corrupt.
 */
uint32_t hv_ring_skip_pending(struct hv_ring *r);

/*
 * Publish the read cursor to the peer. Returns the number of bytes
 * released; *need_signal is set (never cleared) when the writer waits for
 * room that is now there (§A.6).
 */
uint32_t hv_ring_read_commit(struct hv_ring *r, bool *need_signal);

/*
 * Reader: true when there is nothing to read, with one load of a line the
 * writer only changes when it publishes. A poll of an idle ring costs no
 * more than that; anything else (data, a corrupt index) is for
 * hv_ring_peek() to find. May be called by a thread that does not own the
 * reader side: it only reads.
 */
static inline bool
hv_ring_idle(const struct hv_ring *r)
{
	/* another thread may own the reader right now; a stale answer only
	 * means one more (or one fewer) poll. The cursor with acquire: what
	 * its owner did before consuming (frames parked for another queue)
	 * is seen with it (a plain load on x86) */
	uint32_t cursor = __atomic_load_n(&r->read_cursor, __ATOMIC_ACQUIRE);

	return cursor == __atomic_load_n(&r->windex_seen, __ATOMIC_RELAXED) &&
	       cursor == __atomic_load_n(&r->hdr->write_index, __ATOMIC_ACQUIRE);
}

/*
 * Reader: where the packet after the one at the cursor (cur_len bytes, as
 * hv_ring_peek() gave it) starts, when at least `want` bytes of it were
 * published and lie contiguous in the ring; else NULL. For prefetching
 * only: nothing found there is validated.
 */
static inline const uint8_t *
hv_ring_next_hint(const struct hv_ring *r, uint32_t cur_len, uint32_t want)
{
	uint64_t off = (uint64_t)r->read_cursor + cur_len + HV_RING_TRAILER_SIZE;
	uint32_t avail = r->windex_seen >= r->read_cursor ?
			 r->windex_seen - r->read_cursor :
			 r->dsize - (r->read_cursor - r->windex_seen);

	if ((uint64_t)cur_len + HV_RING_TRAILER_SIZE + want > avail || off + want > r->dsize)
		return NULL;
	return r->data + off;
}

/*
 * The reader's hot path, inline for a reader that calls it per packet
 * (hv_ring_peek() and hv_ring_consume() are the same code out of line).
 */

/*
 * Bytes the reader may read without looking at the writer's index: only
 * when it has caught up with what it saw last is the index read again
 * (and checked: in the data area, 8-byte aligned). -EIO when corrupt.
 */
static inline int64_t
hv_ring_readable_cached(struct hv_ring *r)
{
	uint32_t windex;

	if (r->read_cursor != r->windex_seen)
		return hv_ring_used(r->windex_seen, r->read_cursor, r->dsize);
	windex = __atomic_load_n(&r->hdr->write_index, __ATOMIC_ACQUIRE);
	if (windex >= r->dsize || (windex & 7) != 0)
		return -EIO;
	__atomic_store_n(&r->windex_seen, windex, __ATOMIC_RELAXED);	/* hv_ring_idle */
	return hv_ring_used(windex, r->read_cursor, r->dsize);
}

/*
 * hv_ring_peek() without scratch: a packet that wraps is -ENOBUFS (with
 * pkt->len set), for the caller to peek again with a scratch area. The
 * descriptor is copied once out of the ring and every check is made on
 * that copy.
 */
static inline int
hv_ring_peek_inline(struct hv_ring *r, struct hv_ring_pkt *pkt)
{
	struct hv_pkt_desc desc;
	int64_t avail = hv_ring_readable_cached(r);
	uint32_t len, cursor = r->read_cursor, first;

	if (avail <= 0)
		return (int)avail;
	/* Writers publish whole packets: anything shorter is corruption. */
	if (avail < HV_RING_PKT_MIN + HV_RING_TRAILER_SIZE)
		return -EIO;
	first = r->dsize - cursor;
	if (__builtin_expect(first >= sizeof(desc), 1)) {
		memcpy(&desc, r->data + cursor, sizeof(desc));
	} else {
		memcpy(&desc, r->data + cursor, first);
		memcpy((uint8_t *)&desc + first, r->data, sizeof(desc) - first);
	}
	len = (uint32_t)desc.len8 * 8;
	if (len < HV_RING_PKT_MIN || (uint64_t)len + HV_RING_TRAILER_SIZE > (uint64_t)avail)
		return -EIO;
	pkt->len = len;
	pkt->data = NULL;
	pkt->desc = desc;
	if (desc.offset8 < 2 || desc.offset8 > desc.len8)
		return -EBADMSG;
	if ((uint64_t)cursor + len > r->dsize)
		return -ENOBUFS;
	pkt->data = r->data + cursor;
	return 1;
}

/* hv_ring_consume() for a pkt_len hv_ring_peek_inline() gave. */
static inline void
hv_ring_consume_inline(struct hv_ring *r, uint32_t pkt_len)
{
	uint64_t next = (uint64_t)r->read_cursor + pkt_len + HV_RING_TRAILER_SIZE;

	/* pkt_len came from a peek: at most the bytes published, so one lap */
	if (next >= r->dsize)
		next -= r->dsize;
	__atomic_store_n(&r->read_cursor, (uint32_t)next,	/* hv_ring_idle reads it unowned */
			 __ATOMIC_RELEASE);
}

/* Bytes available to the reader past its cursor; -EIO when corrupt. */
int64_t hv_ring_readable(const struct hv_ring *r);

/* Reader: stop being signalled while draining (§A.5). */
void hv_ring_mask(struct hv_ring *r);

/*
 * Reader: ask to be signalled again. Returns true when data arrived in the
 * meantime (the caller should mask again and keep draining).
 */
bool hv_ring_unmask(struct hv_ring *r);

/*
 * Writer blocked on a full ring: record the bytes it needs (§A.6), or 0 to
 * clear. Only meaningful when the reader honours the feature bit.
 */
void hv_ring_set_pending(struct hv_ring *r, uint32_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* HV_RING_H */
