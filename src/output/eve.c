#include "output/eve.h"
#include "output/eve_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EVE_FLUSH_AT (64u << 10)
#define TYPE_NAME_MAX 32

struct yg_eve_sink {
	int fd;
	char *path; /* to reopen; NULL for stdout */
	bool owns_fd;
	bool failed;
	uint64_t bytes;
	pthread_mutex_t lock;
	unsigned n_outs;
	struct yg_eve_out *outs[YG_EVE_SINK_OUTPUTS];
	unsigned n_types; /* 0: the file gets every type */
	char types[YG_EVE_SINK_TYPES_MAX][TYPE_NAME_MAX];
};

int yg_eve_sink_open(const char *path, struct yg_eve_sink **ret)
{
	struct yg_eve_sink *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		s->fd = STDOUT_FILENO;
	} else if (!strcmp(path, "none")) {
		s->fd = -1;
	} else {
		s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->fd < 0) {
			int r = -errno;
			free(s);
			return r;
		}
		s->owns_fd = true;
		s->path = strdup(path);
		if (!s->path) {
			close(s->fd);
			free(s);
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

void yg_eve_sink_free(struct yg_eve_sink *s)
{
	if (!s)
		return;
	if (s->owns_fd)
		close(s->fd);
	for (unsigned i = 0; i < s->n_outs; i++)
		yg_eve_out_free(s->outs[i]);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}

int yg_eve_sink_add_output(struct yg_eve_sink *s, struct yg_eve_out *o)
{
	if (s->n_outs == YG_EVE_SINK_OUTPUTS)
		return -E2BIG;
	pthread_mutex_lock(&s->lock);
	s->outs[s->n_outs++] = o;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

struct yg_eve_out *yg_eve_sink_output(const struct yg_eve_sink *s, unsigned i)
{
	return i < s->n_outs ? s->outs[i] : NULL;
}

int yg_eve_sink_reopen(struct yg_eve_sink *s)
{
	if (!s || !s->path)
		return 0;
	/* Appends: a file someone created meanwhile is not truncated. */
	int fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&s->lock);
	int old = s->fd;
	s->fd = fd;
	pthread_mutex_unlock(&s->lock);
	close(old);
	return 0;
}

bool yg_eve_sink_failed(const struct yg_eve_sink *s)
{
	return s->failed;
}

uint64_t yg_eve_sink_bytes(const struct yg_eve_sink *s)
{
	return s->bytes;
}

int yg_eve_sink_set_types(struct yg_eve_sink *s, unsigned n, const char *const *types)
{
	if (n > YG_EVE_SINK_TYPES_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (strlen(types[i]) >= TYPE_NAME_MAX)
			return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		memcpy(s->types[i], types[i], strlen(types[i]) + 1);
	s->n_types = n;
	return 0;
}

bool yg_eve_line_type(const char *p, size_t n, const char **ret, size_t *ret_len)
{
	static const char key[] = "\"event_type\":\"";
	size_t look = n < 160 ? n : 160; /* the header comes first */
	const char *k = memmem(p, look, key, sizeof key - 1);
	if (!k)
		return false;
	const char *v = k + sizeof key - 1;
	const char *e = memchr(v, '"', (size_t)(p + n - v));
	if (!e)
		return false;
	*ret = v;
	*ret_len = (size_t)(e - v);
	return true;
}

static bool file_wants(const struct yg_eve_sink *s, const char *line, size_t n)
{
	const char *v;
	size_t vl;
	if (!yg_eve_line_type(line, n, &v, &vl))
		return false;
	for (unsigned i = 0; i < s->n_types; i++)
		if (strlen(s->types[i]) == vl && !memcmp(s->types[i], v, vl))
			return true;
	return false;
}

static void fd_write(struct yg_eve_sink *s, const char *p, size_t n)
{
	while (n && !s->failed && s->fd >= 0) {
		ssize_t k = write(s->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			s->failed = true;
			break;
		}
		p += k;
		n -= (size_t)k;
		s->bytes += (uint64_t)k;
	}
}

/* Runs of wanted lines go out in one write each: a filter that keeps
 * most lines costs about what no filter does. */
static void fd_write_filtered(struct yg_eve_sink *s, const char *p, size_t n)
{
	const char *run = NULL;
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) + 1 : n;
		if (file_wants(s, p, len)) {
			if (!run)
				run = p;
		} else if (run) {
			fd_write(s, run, (size_t)(p - run));
			run = NULL;
		}
		p += len;
		n -= len;
	}
	if (run)
		fd_write(s, run, (size_t)(p - run));
}

static void sink_write(struct yg_eve_sink *s, const char *p, size_t n)
{
	pthread_mutex_lock(&s->lock);
	/* Whole lines: the outputs queue them and return at once. */
	for (unsigned i = 0; i < s->n_outs; i++)
		yg_eve_out_push(s->outs[i], p, n);
	if (s->n_types)
		fd_write_filtered(s, p, n);
	else
		fd_write(s, p, n);
	pthread_mutex_unlock(&s->lock);
}

int yg_eve_init(struct yg_eve *e, struct yg_eve_sink *sink)
{
	memset(e, 0, sizeof *e);
	e->sink = sink;
	e->cached_sec = -1;
	return yg_jsonw_init(&e->w, EVE_FLUSH_AT + 4096);
}

void yg_eve_flush(struct yg_eve *e)
{
	if (e->w.len && e->sink)
		sink_write(e->sink, e->w.buf, e->w.len);
	yg_jsonw_reset(&e->w);
}

void yg_eve_release(struct yg_eve *e)
{
	if (!e->w.buf)
		return;
	yg_eve_flush(e);
	yg_jsonw_release(&e->w);
}

static char *put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm): no
 * gmtime and no printf on the per-event path. */
static void civil_from_days(int64_t z, int *ret_y, unsigned *ret_m, unsigned *ret_d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*ret_y = (int)(y + (m <= 2));
	*ret_m = m;
	*ret_d = d;
}

void yg_eve_format_time(uint64_t ts_us, char *buf, size_t size)
{
	/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000" is 31 bytes plus the NUL. */
	if (size < 32) {
		if (size)
			buf[0] = 0;
		return;
	}
	uint64_t sec = ts_us / 1000000;
	int y;
	unsigned mo, d;
	civil_from_days((int64_t)(sec / 86400), &y, &mo, &d);
	unsigned sod = (unsigned)(sec % 86400);
	if (y < 0 || y > 9999)
		y = 9999;
	char *p = buf;
	p = put_digits(p, (unsigned)y, 4);
	*p++ = '-';
	p = put_digits(p, mo, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, sod / 3600, 2);
	*p++ = ':';
	p = put_digits(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, sod % 60, 2);
	*p++ = '.';
	p = put_digits(p, (unsigned)(ts_us % 1000000), 6);
	memcpy(p, "+0000", 6);
}

static char *put_ip4(const uint8_t *b, char *p)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		if (i < 3)
			*p++ = '.';
	}
	return p;
}

/* RFC 5952 text, exactly as glibc's inet_ntop writes it (which took a
 * sprintf per group): the longest run of two or more zero groups (the
 * first of equal runs) becomes "::"; ::a.b.c.d and ::ffff:a.b.c.d keep
 * the IPv4 form. buf has INET6_ADDRSTRLEN bytes; returns the length. */
static size_t format_ip6(const uint8_t *b, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	for (int i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (cur < 0) {
				cur = i;
				cur_len = 0;
			}
			cur_len++;
		} else if (cur >= 0) {
			if (best < 0 || cur_len > best_len) {
				best = cur;
				best_len = cur_len;
			}
			cur = -1;
		}
	}
	if (cur >= 0 && (best < 0 || cur_len > best_len)) {
		best = cur;
		best_len = cur_len;
	}
	if (best >= 0 && best_len < 2)
		best = -1;
	char *p = buf;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			p = put_ip4(b + 12, p);
			break;
		}
		unsigned v = w[i];
		int shift = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;
		for (; shift >= 0; shift -= 4)
			*p++ = hex[(v >> shift) & 15];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
	return (size_t)(p - buf);
}

/* IPv6 as Suricata writes src_ip and dest_ip: all eight groups, four hex
 * digits each, no "::" (39 characters). buf has INET6_ADDRSTRLEN bytes. */
static size_t format_ip6_full(const uint8_t *b, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;
	for (int i = 0; i < 16; i++) {
		if (i && !(i & 1))
			*p++ = ':';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = '\0';
	return (size_t)(p - buf);
}

void yg_eve_format_addr_full(uint8_t family, const struct yg_addr *a, char *buf, size_t size)
{
	if (family == 6 && size >= INET6_ADDRSTRLEN)
		format_ip6_full(a->b, buf);
	else
		yg_eve_format_addr(family, a, buf, size);
}

/* yg_eve_format_addr, returning the length. */
static size_t addr_text(uint8_t family, const struct yg_addr *a, char *buf, size_t size)
{
	/* By hand: glibc's inet_ntop formats with sprintf, which showed in
	 * profiles at two addresses per event. */
	if (family != 6 && size >= 16) {
		char *end = put_ip4(a->b, buf);
		*end = '\0';
		return (size_t)(end - buf);
	}
	if (family == 6 && size >= INET6_ADDRSTRLEN)
		return format_ip6(a->b, buf);
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a->b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return strlen(buf);
}

void yg_eve_format_addr(uint8_t family, const struct yg_addr *a, char *buf, size_t size)
{
	addr_text(family, a, buf, size);
}

const char *yg_eve_proto_name(uint8_t proto, char buf[8])
{
	switch (proto) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPv6-ICMP";
	/* The aliases of /etc/protocols, which Suricata prints. */
	case 4: return "IP-ENCAP";
	case 41: return "IPv6";
	case 47: return "GRE";
	default: snprintf(buf, 8, "%u", proto); return buf;
	}
}

/* The six microsecond digits of ts_us at out. */
static void put_micros(char *out, uint64_t ts_us)
{
	unsigned us = (unsigned)(ts_us % 1000000);
	for (int i = 5; i >= 0; i--) {
		out[i] = (char)('0' + us % 10);
		us /= 10;
	}
}

void yg_eve_time_text(const struct yg_eve *e, uint64_t ts_us, char out[YG_EVE_TIME_LEN])
{
	char t[32];
	if ((int64_t)(ts_us / 1000000) == e->cached_sec) {
		memcpy(out, e->cached_ts, YG_EVE_TIME_LEN);
		put_micros(out + 20, ts_us);
		return;
	}
	yg_eve_format_time(ts_us, t, sizeof t);
	memcpy(out, t, YG_EVE_TIME_LEN);
}

static void put_time(struct yg_eve *e, uint64_t ts_us)
{
	int64_t sec = (int64_t)(ts_us / 1000000);
	if (sec != e->cached_sec) {
		yg_eve_format_time(ts_us, e->cached_ts, sizeof e->cached_ts);
		e->cached_sec = sec;
	} else {
		/* Only the microseconds change within the cached second. */
		put_micros(e->cached_ts + 20, ts_us);
	}
	yg_jsonw_key(&e->w, "timestamp");
	yg_jsonw_strn_plain(&e->w, e->cached_ts, YG_EVE_TIME_LEN);
}

/* The name of a tunnel's identifier as a flowint, by kind. */
static const char *tunnel_id_name(uint8_t kind)
{
	switch (kind) {
	case YG_TUNNEL_GTPU: return "gtp.teid";
	case YG_TUNNEL_GRE: return "gre.key";
	case YG_TUNNEL_VXLAN: return "vxlan.vni";
	case YG_TUNNEL_GENEVE: return "geneve.vni";
	case YG_TUNNEL_ERSPAN: return "erspan.session_id";
	default: return NULL;
	}
}

static void put_tunnel(struct yg_jsonw *w, const struct yg_packet_tunnel *tun, uint8_t kind)
{
	char a[64], pn[8];
	bool ports = tun->proto == 6 || tun->proto == 17;
	yg_jsonw_key(w, "tunnel");
	yg_jsonw_obj_open(w);
	size_t n = tun->family == 6 ? format_ip6_full(tun->src.b, a)
				    : addr_text(tun->family, &tun->src, a, sizeof a);
	yg_jsonw_key(w, "src_ip");
	yg_jsonw_strn_plain(w, a, n);
	if (ports)
		yg_jsonw_kv_u64(w, "src_port", tun->sport);
	n = tun->family == 6 ? format_ip6_full(tun->dst.b, a)
			     : addr_text(tun->family, &tun->dst, a, sizeof a);
	yg_jsonw_key(w, "dest_ip");
	yg_jsonw_strn_plain(w, a, n);
	if (ports)
		yg_jsonw_kv_u64(w, "dest_port", tun->dport);
	yg_jsonw_kv_plain(w, "proto", yg_eve_proto_name(tun->proto, pn));
	yg_jsonw_kv_u64(w, "depth", tun->depth);
	yg_jsonw_kv_plain(w, "pkt_src", "wire/pcap");
	yg_jsonw_obj_close(w);

	const char *kn = yg_tunnel_name(kind);
	if (!kn)
		return;
	yg_jsonw_key(w, "metadata");
	yg_jsonw_obj_open(w);
	yg_jsonw_key(w, "flowvars");
	yg_jsonw_arr_open(w);
	yg_jsonw_obj_open(w);
	yg_jsonw_kv_plain(w, "tunnel.type", kn);
	yg_jsonw_obj_close(w);
	yg_jsonw_arr_close(w);
	const char *idn = tunnel_id_name(kind);
	if (tun->has_id && idn) {
		yg_jsonw_key(w, "flowints");
		yg_jsonw_obj_open(w);
		yg_jsonw_kv_u64(w, idn, tun->id);
		yg_jsonw_obj_close(w);
	}
	yg_jsonw_obj_close(w);
}

const char *yg_eve_tunnel_pkt_src(uint8_t kind, uint8_t outer_family)
{
	switch (kind) {
	case YG_TUNNEL_NONE: return "wire/pcap";
	case YG_TUNNEL_6IN4:
	case YG_TUNNEL_IPIP: return outer_family == 6 ? "ipv6 tunnel" : "ipv4 tunnel";
	case YG_TUNNEL_TEREDO: return "teredo tunnel";
	case YG_TUNNEL_VXLAN: return "vxlan encapsulation";
	case YG_TUNNEL_GENEVE: return "geneve encapsulation";
	case YG_TUNNEL_GRE:
	case YG_TUNNEL_ERSPAN: return "gre tunnel";
	default: return "udp tunnel"; /* GTP-U: Suricata has no decoder of it */
	}
}

void yg_eve_begin(struct yg_eve *e, uint64_t ts_us, const char *event_type, uint64_t flow_id,
		  const struct yg_eve_tuple *t)
{
	struct yg_jsonw *w = &e->w;
	yg_jsonw_obj_open(w);
	put_time(e, ts_us);
	if (flow_id)
		yg_jsonw_kv_u64(w, "flow_id", flow_id);
	yg_jsonw_kv_plain(w, "event_type", event_type);
	if (t && t->vlan) {
		yg_jsonw_key(w, "vlan");
		yg_jsonw_arr_open(w);
		yg_jsonw_u64(w, t->vlan);
		if (t->vlan_inner)
			yg_jsonw_u64(w, t->vlan_inner);
		yg_jsonw_arr_close(w);
	}
	if (t && t->family) {
		char a[64], pn[8];
		/* Suricata's form: IPv6 written out in full. */
		size_t n = t->family == 6 ? format_ip6_full(t->src->b, a)
					  : addr_text(t->family, t->src, a, sizeof a);
		yg_jsonw_key(w, "src_ip");
		yg_jsonw_strn_plain(w, a, n);
		if (t->has_ports)
			yg_jsonw_kv_u64(w, "src_port", t->sport);
		n = t->family == 6 ? format_ip6_full(t->dst->b, a)
				   : addr_text(t->family, t->dst, a, sizeof a);
		yg_jsonw_key(w, "dest_ip");
		yg_jsonw_strn_plain(w, a, n);
		if (t->has_ports)
			yg_jsonw_kv_u64(w, "dest_port", t->dport);
		yg_jsonw_kv_u64(w, "ip_v", t->family == 6 ? 6 : 4);
		yg_jsonw_kv_plain(w, "proto", yg_eve_proto_name(t->proto, pn));
		if (t->community_id)
			yg_jsonw_kv_plain(w, "community_id", t->community_id);
		if (t->tunnel && t->tunnel->family)
			put_tunnel(w, t->tunnel, t->tunnel_kind);
	}
}

void yg_eve_end(struct yg_eve *e)
{
	yg_jsonw_obj_close(&e->w);
	yg_jsonw_newline(&e->w);
	e->events++;
	if (e->w.len >= EVE_FLUSH_AT)
		yg_eve_flush(e);
}
