/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * VMBus ring buffer rules, see hv_ring.h and protocol doc §A.
 *
 * Memory ordering (§A.7) is spelled with GCC atomics so that it holds on
 * weakly ordered CPUs too, not only on x86.
 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "hv_ring.h"

#define load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define load_relaxed(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define full_barrier()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* An index written by the peer is only usable if it lies in the data
 * area on an 8-byte boundary. */
static inline bool
index_valid(const struct hv_ring *r, uint32_t idx)
{
	return idx < r->dsize && (idx & 7) == 0;
}

int
hv_ring_attach(struct hv_ring *r, void *mem, size_t size)
{
	size_t dsize;

	if (mem == NULL || size <= HV_PAGE_SIZE)
		return -EINVAL;
	dsize = size - HV_PAGE_SIZE;
	if ((dsize & 7) != 0 || dsize > UINT32_MAX / 2)
		return -EINVAL;

	r->hdr = mem;
	r->data = r->hdr->data;
	r->dsize = (uint32_t)dsize;
	r->broken = 0;
	r->reserve_index = load_acquire(&r->hdr->write_index);
	r->read_cursor = load_acquire(&r->hdr->read_index);
	if (!index_valid(r, r->reserve_index))
		r->reserve_index = 0;
	if (!index_valid(r, r->read_cursor))
		r->read_cursor = 0;
	r->windex_seen = r->read_cursor;
	return 0;
}

void
hv_ring_init_header(struct hv_ring *r, uint32_t feature_bits)
{
	memset(r->hdr, 0, sizeof(*r->hdr));
	r->hdr->feature_bits = feature_bits;
	r->reserve_index = 0;
	r->read_cursor = 0;
	r->windex_seen = 0;
	r->broken = 0;
	full_barrier();
}

/* Copy into the data area at off, wrapping; returns the offset after. */
static uint32_t
copy_to_ring(struct hv_ring *r, uint32_t off, const void *src, uint32_t len)
{
	uint32_t first = r->dsize - off;

	if (len == 0)	/* an empty iovec may have a NULL base: memcpy's is nonnull */
		return off;
	if (len <= first) {
		memcpy(r->data + off, src, len);
		off += len;
		return off == r->dsize ? 0 : off;
	}
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const uint8_t *)src + first, len - first);
	return len - first;
}

static void
copy_from_ring(const struct hv_ring *r, uint32_t off, void *dst, uint32_t len)
{
	uint32_t first = r->dsize - off;

	if (len <= first) {
		memcpy(dst, r->data + off, len);
		return;
	}
	memcpy(dst, r->data + off, first);
	memcpy((uint8_t *)dst + first, r->data, len - first);
}

/* off + len around the data area. Callers keep both below dsize, so one
 * subtraction wraps it: a division costs tens of cycles on the fast path
 * (it stays, for a sum that is not so bounded). */
static inline uint32_t
ring_add(const struct hv_ring *r, uint32_t off, uint32_t len)
{
	uint64_t sum = (uint64_t)off + len;

	if (sum >= r->dsize)
		sum -= r->dsize;
	if (__builtin_expect(sum >= r->dsize, 0))
		sum %= r->dsize;
	return (uint32_t)sum;
}

/*
 * Reserve, at the writer's cursor for batch b, the longest run of the
 * packets ending at ends[0..n) (offsets from the run's start, rising) that
 * fits: its start in *start, its count in *fit. -EAGAIN when not even the
 * first fits, or -EIO.
 *
 * The reader's index is read again only when the copy the batch holds
 * shows too little room for all, when another writer reserved since the
 * batch's last packet, or when the batch published meanwhile: a copy is
 * only a safe lower bound on the room while nobody else can have moved
 * the reservation past where it was checked.
 */
static inline int
reserve_run(struct hv_ring_batch *b, const uint32_t *ends, uint32_t n, uint32_t *start,
	    uint32_t *fit)
{
	struct hv_ring *r = b->r;
	uint32_t old, rindex, space, k;

	/* Writers only ever publish valid offsets: anything else means the
	 * header was overwritten, and publishing in order would wait for an
	 * index that never comes. Checked once per span. */
	if (__atomic_load_n(&r->broken, __ATOMIC_ACQUIRE) ||
	    (!b->pending && !index_valid(r, load_acquire(&r->hdr->write_index))))
		return -EIO;
	old = load_acquire(&r->reserve_index);
	do {
		rindex = b->rindex;
		if (!b->rindex_ok || old != b->end ||
		    hv_ring_space(old, rindex, r->dsize) <= ends[n - 1]) {
			rindex = load_acquire(&r->hdr->read_index);
			if (!index_valid(r, rindex))
				return -EIO;
			b->rindex = rindex;
			b->rindex_ok = true;
		}
		/* Strictly greater: a full ring would look empty (§A.3). */
		space = hv_ring_space(old, rindex, r->dsize);
		for (k = n; k > 0 && space <= ends[k - 1]; k--)
			;
		if (k == 0)
			return -EAGAIN;
	} while (!__atomic_compare_exchange_n(&r->reserve_index, &old,
					      ring_add(r, old, ends[k - 1]), false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	*start = old;
	*fit = k;
	return 0;
}

static uint64_t
monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Earlier writers publish within microseconds, or within a scheduler slice
 * when preempted. A wait far beyond that means the peer rewrote our
 * write_index with another in-range value: give up rather than spin
 * forever. The clock is read only every few thousand spins.
 */
static bool
publish_overdue(uint64_t spins, uint64_t *deadline_ns)
{
	if ((spins & 4095) != 0)
		return false;
	if (*deadline_ns == 0) {
		*deadline_ns = monotonic_ns() + HV_RING_PUBLISH_TIMEOUT_NS;
		return false;
	}
	return monotonic_ns() > *deadline_ns;
}

/*
 * Publish [start, end) once the writers that reserved before us have
 * published theirs. -EIO if the index stops making sense meanwhile.
 */
static int
publish_in_order(struct hv_ring *r, uint32_t start, uint32_t end)
{
	uint64_t spins = 0, deadline_ns = 0;
	uint32_t windex;

	while ((windex = load_acquire(&r->hdr->write_index)) != start) {
		if (!index_valid(r, windex) || publish_overdue(++spins, &deadline_ns)) {
			/* Our reservation will never be published: every later
			 * writer would wait for it. The ring is unusable. */
			__atomic_store_n(&r->broken, 1, __ATOMIC_RELEASE);
			return -EIO;
		}
		cpu_relax();
	}
	store_release(&r->hdr->write_index, end);
	return 0;
}

void
hv_ring_batch_begin(struct hv_ring_batch *b, struct hv_ring *r)
{
	b->r = r;
	b->start = 0;
	b->end = 0;
	b->rindex = 0;
	b->rindex_ok = false;
	b->pending = false;
}

/*
 * Publish the batch's span once every earlier writer has published, then
 * decide on the signal for the whole span (§A.5): the reader must be woken
 * when it had read everything before the span, and is not masked.
 */
static int
batch_publish(struct hv_ring_batch *b, bool *need_signal)
{
	struct hv_ring *r = b->r;
	uint32_t rindex;
	int ret;

	if (!b->pending)
		return 0;
	b->pending = false;
	/* Once published, other writers may reserve a whole lap of the ring
	 * and the reserve index come back to b->end: the copy of the read
	 * index is only trusted while a span of ours is pending. */
	b->rindex_ok = false;
	ret = publish_in_order(r, b->start, b->end);
	if (ret < 0)
		return ret;
	/* §A.5 / §A.7: full barrier, then mask, then read index. */
	full_barrier();
	if (load_relaxed(&r->hdr->interrupt_mask) != 0)
		return 0;
	rindex = load_acquire(&r->hdr->read_index);
	if (hv_ring_writer_should_signal(0, b->start, rindex))
		*need_signal = true;
	return 0;
}

uint32_t
hv_ring_batch_room(struct hv_ring_batch *b)
{
	struct hv_ring *r = b->r;
	uint32_t old = load_acquire(&r->reserve_index);
	uint32_t rindex = load_acquire(&r->hdr->read_index);

	if (__atomic_load_n(&r->broken, __ATOMIC_ACQUIRE) || !index_valid(r, rindex) ||
	    !index_valid(r, old))
		return 0;
	return hv_ring_space(old, rindex, r->dsize);
}

/*
 * Copy len bytes to dst in the data area, where the caller knows they do
 * not reach its end. What a packet is made of is small (descriptors,
 * headers, page lists, control messages): word by word, inline, rather
 * than a call per piece.
 */
static inline uint8_t *
put_flat(uint8_t *dst, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	for (; len >= 16; len -= 16, s += 16, dst += 16)
		memcpy(dst, s, 16);
	if (len >= 8) {
		memcpy(dst, s, 8);
		len -= 8;
		s += 8;
		dst += 8;
	}
	for (; len > 0; len--)
		*dst++ = *s++;
	return dst;
}

/*
 * Reserve the batch's next packets (as reserve_run). When another writer
 * reserved between our packets, our earlier span can (and must, for
 * theirs to be published) go out now.
 */
static inline int
batch_reserve_run(struct hv_ring_batch *b, const uint32_t *ends, uint32_t n, uint32_t *start,
		  uint32_t *fit, bool *need_signal)
{
	int ret = reserve_run(b, ends, n, start, fit);

	if (ret < 0)
		return ret;
	if (b->pending && *start != b->end)
		return batch_publish(b, need_signal);
	return 0;
}

/* Reserve total bytes for batch b at *start: a run of one packet. */
static inline int
batch_reserve(struct hv_ring_batch *b, uint32_t total, uint32_t *start, bool *need_signal)
{
	uint32_t fit;

	return batch_reserve_run(b, &total, 1, start, &fit, need_signal);
}

/* Packets written from start up to off: the batch's span grows to off. */
static inline void
batch_extend(struct hv_ring_batch *b, uint32_t start, uint32_t off)
{
	if (!b->pending) {
		b->start = start;
		b->pending = true;
	}
	b->end = off;
}

int
hv_ring_batch_add(struct hv_ring_batch *b, const struct iovec *iov, unsigned int iovcnt,
		  bool *need_signal)
{
	static const uint8_t zeros[16];	/* padding is under 8; gcc cannot tell */
	struct hv_ring *r = b->r;
	uint64_t bytes = 0, trailer;
	uint32_t start, off, padded, total;
	unsigned int i;
	int ret;

	for (i = 0; i < iovcnt; i++)
		bytes += iov[i].iov_len;
	if (bytes == 0 || bytes > r->dsize)
		return -EINVAL;
	padded = (uint32_t)((bytes + 7) & ~(uint64_t)7);
	total = padded + HV_RING_TRAILER_SIZE;
	/* Needs space > total (§A.3) and space <= dsize: would never fit,
	 * so not -EAGAIN, which callers retry. */
	if (total >= r->dsize)
		return -EINVAL;

	ret = batch_reserve(b, total, &start, need_signal);
	if (ret < 0)
		return ret;

	trailer = (uint64_t)start << 32;
	if ((uint64_t)start + total < r->dsize) {
		/* the common packet: it does not reach the end of the data area */
		uint8_t *dst = r->data + start;

		for (i = 0; i < iovcnt; i++)
			dst = put_flat(dst, iov[i].iov_base, (uint32_t)iov[i].iov_len);
		dst = put_flat(dst, zeros, padded - (uint32_t)bytes);
		put_flat(dst, &trailer, sizeof(trailer));
		off = start + total;
	} else {
		off = start;
		for (i = 0; i < iovcnt; i++)
			off = copy_to_ring(r, off, iov[i].iov_base, (uint32_t)iov[i].iov_len);
		off = copy_to_ring(r, off, zeros, padded - (uint32_t)bytes);
		off = copy_to_ring(r, off, &trailer, sizeof(trailer));
	}
	batch_extend(b, start, off);
	return 0;
}

/* Copy one 8-byte word into the data area at off; returns the offset after. */
static inline uint32_t
put_word(struct hv_ring *r, uint32_t off, const void *src)
{
	memcpy(r->data + off, src, 8);
	off += 8;
	return off == r->dsize ? 0 : off;
}

/* A descriptor and one 8-byte word: an NVSP completion (hv_nvsp_wire.h). */
#define HV_RING_SMALL_PKT	24u

/* n packets of pkt_len bytes and their trailers at start, which the
 * caller knows is a run that does not reach the end of the data area: no
 * wrap test per word. Always inlined, so that a constant pkt_len turns
 * put_flat() into a few fixed moves. */
static inline __attribute__((always_inline)) void
put_run(struct hv_ring *r, uint32_t start, const uint8_t *src, uint32_t pkt_len, uint32_t n)
{
	uint32_t pos = start, i;

	for (i = 0; i < n; i++) {
		uint8_t *dst = r->data + pos;
		uint64_t trailer = (uint64_t)pos << 32;

		put_flat(dst, src, pkt_len);
		memcpy(dst + pkt_len, &trailer, 8);
		pos += pkt_len + HV_RING_TRAILER_SIZE;
		src += pkt_len;
	}
}

/* The common run (receive completions) with its size known to the
 * compiler: each packet is three moves and its trailer one. */
static void
put_run_flat(struct hv_ring *r, uint32_t start, const uint8_t *src, uint32_t pkt_len,
	     uint32_t n)
{
	if (pkt_len == HV_RING_SMALL_PKT)
		put_run(r, start, src, HV_RING_SMALL_PKT, n);
	else
		put_run(r, start, src, pkt_len, n);
}

int
hv_ring_batch_add_n(struct hv_ring_batch *b, const void *pkts, uint32_t pkt_len, uint32_t n,
		    bool *need_signal)
{
	struct hv_ring *r = b->r;
	const uint8_t *src = pkts;
	uint64_t total;
	uint32_t start, off, i, w;
	int ret;

	if (n == 0)
		return 0;
	if (pkt_len < HV_RING_PKT_MIN || (pkt_len & 7) != 0 || pkt_len >= r->dsize)
		return -EINVAL;
	total = (uint64_t)(pkt_len + HV_RING_TRAILER_SIZE) * n;
	if (total >= r->dsize)
		return -EINVAL;	/* never fits in one reservation: one at a time */
	ret = batch_reserve(b, (uint32_t)total, &start, need_signal);
	if (ret < 0)
		return ret;
	if ((uint64_t)start + total < r->dsize) {
		/* the common run: it does not reach the end of the data area */
		put_run_flat(r, start, src, pkt_len, n);
		off = start + (uint32_t)total;
	} else {
		/* every offset is a multiple of 8 and so is dsize: a word
		 * never straddles the end of the data area */
		off = start;
		for (i = 0; i < n; i++) {
			uint64_t trailer = (uint64_t)off << 32;

			for (w = 0; w < pkt_len; w += 8)
				off = put_word(r, off, src + w);
			off = put_word(r, off, &trailer);
			src += pkt_len;
		}
	}
	batch_extend(b, start, off);
	return 0;
}

/* Each staged packet whole, its trailer's room after it, the first one
 * short of a full ring: what the caller promised, checked (it is our own
 * memory, but a wrong layout would corrupt the ring for the host). A run
 * longer than the ring is fine: what fits goes (a small ring). */
static bool
staged_valid(const uint32_t *ends, uint32_t n, uint32_t dsize)
{
	uint32_t begin = 0, i;

	for (i = 0; i < n; begin = ends[i++])
		if (ends[i] <= begin || ends[i] - begin < HV_RING_PKT_MIN + HV_RING_TRAILER_SIZE ||
		    ((ends[i] - begin) & 7) != 0)
			return false;
	return ends[0] < dsize;
}

int
hv_ring_batch_add_staged(struct hv_ring_batch *b, uint8_t *stage, const uint32_t *ends,
			 uint32_t n, bool *need_signal)
{
	struct hv_ring *r = b->r;
	uint32_t start, fit, begin, i, off;
	int ret;

	if (n == 0 || !staged_valid(ends, n, r->dsize))
		return -EINVAL;
	ret = batch_reserve_run(b, ends, n, &start, &fit, need_signal);
	if (ret < 0)
		return ret;
	for (i = 0, begin = 0; i < fit; begin = ends[i++]) {
		uint64_t trailer = (uint64_t)ring_add(r, start, begin) << 32;

		memcpy(stage + ends[i] - HV_RING_TRAILER_SIZE, &trailer, sizeof(trailer));
	}
	off = copy_to_ring(r, start, stage, ends[fit - 1]);
	batch_extend(b, start, off);
	return (int)fit;
}

int
hv_ring_batch_end(struct hv_ring_batch *b, bool *need_signal)
{
	return batch_publish(b, need_signal);
}

int
hv_ring_write(struct hv_ring *r, const struct iovec *iov, unsigned int iovcnt,
	      bool *need_signal)
{
	struct hv_ring_batch b;
	int ret;

	hv_ring_batch_begin(&b, r);
	ret = hv_ring_batch_add(&b, iov, iovcnt, need_signal);
	if (ret < 0)
		return ret;
	return hv_ring_batch_end(&b, need_signal);
}

int64_t
hv_ring_readable(const struct hv_ring *r)
{
	uint32_t windex = load_acquire(&r->hdr->write_index);

	if (!index_valid(r, windex))
		return -EIO;
	return hv_ring_used(windex, r->read_cursor, r->dsize);
}

int
hv_ring_peek(struct hv_ring *r, struct hv_ring_pkt *pkt,
	     void *scratch, uint32_t scratch_len)
{
	int ret = hv_ring_peek_inline(r, pkt);

	if (ret != -ENOBUFS)
		return ret;
	/* the packet wraps: a contiguous copy of it, if it fits */
	if (scratch == NULL || pkt->len > scratch_len)
		return -ENOBUFS;
	copy_from_ring(r, r->read_cursor, scratch, pkt->len);
	pkt->data = scratch;
	return 1;
}

void
hv_ring_copy_out(const struct hv_ring *r, uint32_t off, void *dst, uint32_t len)
{
	copy_from_ring(r, ring_add(r, r->read_cursor, off), dst, len);
}

void
hv_ring_consume(struct hv_ring *r, uint32_t pkt_len)
{
	__atomic_store_n(&r->read_cursor,	/* hv_ring_idle reads it unowned */
			 ring_add(r, r->read_cursor, pkt_len + HV_RING_TRAILER_SIZE), __ATOMIC_RELEASE);
}

uint32_t
hv_ring_skip_pending(struct hv_ring *r)
{
	int64_t avail = hv_ring_readable_cached(r);	/* checks windex_seen when it reads it */

	if (avail <= 0)
		return 0;
	__atomic_store_n(&r->read_cursor, r->windex_seen, __ATOMIC_RELAXED);
	return (uint32_t)avail;
}

uint32_t
hv_ring_read_commit(struct hv_ring *r, bool *need_signal)
{
	uint32_t old = load_relaxed(&r->hdr->read_index);
	uint32_t bytes_read, pending, windex;

	if (!index_valid(r, old)) {
		/* Only we write it: put our cursor back. How much that
		 * releases is unknown, so report nothing and do not signal. */
		store_release(&r->hdr->read_index, r->read_cursor);
		return 0;
	}
	/* both in the data area (old was just checked): no division */
	bytes_read = r->read_cursor >= old ? r->read_cursor - old
					   : r->dsize - (old - r->read_cursor);
	if (bytes_read == 0)
		return 0;

	/* All packet reads are done before the index is given back. */
	store_release(&r->hdr->read_index, r->read_cursor);

	if (!(load_relaxed(&r->hdr->feature_bits) & HV_RING_FEAT_PENDING_SEND_SZ))
		return bytes_read;
	full_barrier();
	/* acquire: the write_index load below must not move above this one */
	pending = load_acquire(&r->hdr->pending_send_sz);
	if (pending == 0)
		return bytes_read;
	windex = load_acquire(&r->hdr->write_index);
	if (!index_valid(r, windex))
		return bytes_read;
	if (hv_ring_reader_should_signal(HV_RING_FEAT_PENDING_SEND_SZ, pending,
					 hv_ring_space(windex, r->read_cursor, r->dsize),
					 bytes_read))
		*need_signal = true;
	return bytes_read;
}

void
hv_ring_mask(struct hv_ring *r)
{
	__atomic_store_n(&r->hdr->interrupt_mask, 1, __ATOMIC_RELAXED);
	full_barrier();
}

bool
hv_ring_unmask(struct hv_ring *r)
{
	__atomic_store_n(&r->hdr->interrupt_mask, 0, __ATOMIC_RELAXED);
	full_barrier();
	return hv_ring_readable(r) != 0;
}

void
hv_ring_set_pending(struct hv_ring *r, uint32_t bytes)
{
	__atomic_store_n(&r->hdr->pending_send_sz, bytes, __ATOMIC_RELAXED);
	full_barrier();
}
