/*
 * S7comm over ISO-on-TCP: TPKT (RFC 1006), COTP class 0 (ISO 8073 /
 * RFC 905), and the S7 PDU as Wireshark's s7comm and s7comm_plus
 * dissectors document it (Siemens publishes no specification).
 *
 *   TPKT:  03 | 00 | LENGTH (2, BE, whole packet)
 *   COTP:  LI | TYPE (CR e0, CC d0, DT f0, DR 80, ...) | ...
 *          CR/CC: DST-REF(2) SRC-REF(2) CLASS(1) params (c1 src TSAP,
 *                 c2 dst TSAP, c0 TPDU size: code, length, value)
 *          DT:    NR/EOT(1), then the S7 PDU
 *   S7:    32 | ROSCTR (1 job, 2 ack, 3 ack_data, 7 userdata) |
 *          REDUNDANCY(2) | PDU REF(2) | PARAM LEN(2) | DATA LEN(2) |
 *          [ERROR CLASS | ERROR CODE] (ack, ack_data) | params | data
 *          params of a job: FUNCTION(1) ...; read/write var: ITEM COUNT(1)
 *          PI service (28): 7 bytes, block length(2), block, name length(1), name
 *   S7+:   72 | VERSION | DATA LEN(2) | [V3: digest length(1) digest] |
 *          OPCODE (31 request, 32 response, 33 notification) | 00 00 |
 *          FUNCTION(2) | ...
 *
 * Decisions:
 *  - Operation classes of a job: read var, uploads and userdata (SZL
 *    reads) are reads; write var a write; request download, download
 *    block and download ended a download; PLC stop a stop; the PI service
 *    P_PROGRAM (a hot or cold start) a restart, _INSE/_DELE/_MODU (insert,
 *    delete, copy blocks) a download, others an operate.
 *  - S7comm-plus is encrypted-by-integrity on recent firmware: its
 *    opcode and function are readable, values are not. Set functions are
 *    writes, Get and Explore reads, DeleteObject a write.
 */
#include "app/s7comm.h"

#include <errno.h>
#include <string.h>

#include "common/cursor.h"

const char *yg_s7_rosctr_name(uint8_t r)
{
	switch (r) {
	case 1: return "job";
	case 2: return "ack";
	case 3: return "ack_data";
	case 7: return "userdata";
	default: return NULL;
	}
}

const char *yg_s7_function_name(uint8_t f)
{
	switch (f) {
	case 0x00: return "cpu_services";
	case 0x04: return "read_var";
	case 0x05: return "write_var";
	case 0x1a: return "request_download";
	case 0x1b: return "download_block";
	case 0x1c: return "download_ended";
	case 0x1d: return "start_upload";
	case 0x1e: return "upload";
	case 0x1f: return "end_upload";
	case 0x28: return "pi_service";
	case 0x29: return "plc_stop";
	case 0xf0: return "setup_communication";
	default: return NULL;
	}
}

const char *yg_s7plus_function_name(uint16_t f)
{
	switch (f) {
	case 0x04bb: return "Explore";
	case 0x04ca: return "CreateObject";
	case 0x04d4: return "DeleteObject";
	case 0x04f2: return "SetVariable";
	case 0x04fc: return "GetVariable";
	case 0x0524: return "AddLink";
	case 0x0542: return "SetMultiVariables";
	case 0x054c: return "GetMultiVariables";
	case 0x0556: return "BeginSequence";
	case 0x0560: return "EndSequence";
	case 0x056b: return "Invoke";
	case 0x0586: return "GetVarSubStreamed";
	default: return NULL;
	}
}

int yg_tpkt_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom)
{
	if ((n >= 1 && p[0] != 3) || (n >= 2 && p[1] != 0))
		goto bad;
	if (n < 4)
		return -EAGAIN;
	size_t len = yg_load_be16(p + 2);
	if (len < 7 || len > YG_TPKT_MAX)
		goto bad;
	*ret_len = len;
	return 0;
bad:
	if (ret_anom)
		*ret_anom = YG_ANOM_S7_BAD_COTP;
	return -EBADMSG;
}

static void cotp_params(struct yg_cur *c, struct yg_s7_msg *m)
{
	uint8_t code, len;
	while (yg_cur_u8(c, &code) && yg_cur_u8(c, &len)) {
		const uint8_t *v;
		if (!yg_cur_bytes(c, len, &v))
			return;
		if (len == 2 && code == 0xc1)
			m->src_tsap = yg_load_be16(v);
		else if (len == 2 && code == 0xc2)
			m->dst_tsap = yg_load_be16(v);
	}
}

static enum yg_ics_op pi_op(const char *name)
{
	if (!strcmp(name, "P_PROGRAM"))
		return YG_ICS_OP_RESTART;
	if (!strcmp(name, "_INSE") || !strcmp(name, "_DELE") || !strcmp(name, "_MODU"))
		return YG_ICS_OP_DOWNLOAD;
	return YG_ICS_OP_OPERATE;
}

static enum yg_ics_op job_op(uint8_t f)
{
	switch (f) {
	case 0x04: case 0x1d: case 0x1e: case 0x1f: case 0x00: return YG_ICS_OP_READ;
	case 0x05: return YG_ICS_OP_WRITE;
	case 0x1a: case 0x1b: case 0x1c: return YG_ICS_OP_DOWNLOAD;
	case 0x28: return YG_ICS_OP_OPERATE;
	case 0x29: return YG_ICS_OP_STOP;
	case 0xf0: return YG_ICS_OP_NONE;
	default: return YG_ICS_OP_WRITE; /* unknown effect: not a read */
	}
}

/* The PI service name: function, 7 bytes, block length(2), block, name. */
static void pi_name(struct yg_cur *c, struct yg_s7_msg *m)
{
	uint16_t blen;
	uint8_t nlen;
	const uint8_t *name;
	if (!yg_cur_skip(c, 7) || !yg_cur_be16(c, &blen) || !yg_cur_skip(c, blen) ||
	    !yg_cur_u8(c, &nlen) || !yg_cur_bytes(c, nlen, &name))
		return;
	size_t k = 0;
	for (size_t i = 0; i < nlen && k + 1 < sizeof m->pi_service; i++)
		if (name[i] >= 0x21 && name[i] < 0x7f && name[i] != '"' && name[i] != '\\')
			m->pi_service[k++] = (char)name[i];
	m->pi_service[k] = 0;
}

static int s7(struct yg_cur *c, struct yg_s7_msg *m, enum yg_anomaly *an)
{
	uint16_t red, plen, dlen;
	if (!yg_cur_u8(c, &m->rosctr) || !yg_cur_be16(c, &red) || !yg_cur_be16(c, &m->pdu_ref) ||
	    !yg_cur_be16(c, &plen) || !yg_cur_be16(c, &dlen))
		goto bad;
	if (!yg_s7_rosctr_name(m->rosctr))
		goto bad;
	if ((m->rosctr == 2 || m->rosctr == 3) &&
	    (!yg_cur_u8(c, &m->error_class) || !yg_cur_u8(c, &m->error_code)))
		goto bad;
	struct yg_cur par;
	if (plen > yg_cur_left(c)) {
		/* Parameters cut short: keep what they say. */
		*an = YG_ANOM_S7_MALFORMED;
		(void)yg_cur_sub(c, yg_cur_left(c), &par);
	} else {
		(void)yg_cur_sub(c, plen, &par);
		if (yg_cur_left(c) != dlen)
			*an = YG_ANOM_S7_MALFORMED;
	}
	if (m->rosctr == 7) {
		m->op = YG_ICS_OP_READ;
		return 0;
	}
	if (plen == 0 || !yg_cur_u8(&par, &m->function)) {
		/* A bare ack has no parameters; anything else needs a function. */
		if (m->rosctr != 2)
			*an = YG_ANOM_S7_MALFORMED;
		return 0;
	}
	if (m->function == 0x04 || m->function == 0x05)
		(void)yg_cur_u8(&par, &m->item_count);
	if (m->function == 0x28 && m->rosctr == 1)
		pi_name(&par, m);
	if (m->rosctr == 1) {
		m->op = job_op(m->function);
		if (m->function == 0x28)
			m->op = pi_op(m->pi_service);
	}
	return 0;
bad:
	*an = YG_ANOM_S7_MALFORMED;
	return -EBADMSG;
}

static int s7plus(struct yg_cur *c, struct yg_s7_msg *m, enum yg_anomaly *an)
{
	uint16_t dlen, res;
	if (!yg_cur_u8(c, &m->plus_version) || !yg_cur_be16(c, &dlen))
		goto bad;
	if (m->plus_version == 3) {
		uint8_t dig;
		if (!yg_cur_u8(c, &dig) || !yg_cur_skip(c, dig))
			goto bad;
	}
	if (!yg_cur_u8(c, &m->plus_opcode))
		goto bad;
	/* Keep-alives and version 0xfe have no function: still S7comm-plus. */
	if (m->plus_opcode >= 0x31 && m->plus_opcode <= 0x33 &&
	    (!yg_cur_be16(c, &res) || !yg_cur_be16(c, &m->plus_function)))
		goto bad;
	if (m->plus_opcode == 0x31) {
		const char *f = yg_s7plus_function_name(m->plus_function);
		if (!f)
			m->op = YG_ICS_OP_NONE;
		else if (!strncmp(f, "Set", 3) || !strcmp(f, "DeleteObject"))
			m->op = YG_ICS_OP_WRITE;
		else if (!strncmp(f, "Get", 3) || !strcmp(f, "Explore"))
			m->op = YG_ICS_OP_READ;
	}
	return 0;
bad:
	*an = YG_ANOM_S7_MALFORMED;
	return -EBADMSG;
}

int yg_s7_parse(const uint8_t *p, size_t len, struct yg_s7_msg *ret, enum yg_anomaly *ret_anom)
{
	enum yg_anomaly an = YG_ANOM__COUNT;
	size_t want;
	struct yg_cur c, cotp;
	uint8_t li, proto;
	int r = -EBADMSG;
	if (yg_tpkt_len(p, len, &want, &an) < 0 || want != len) {
		an = YG_ANOM_S7_BAD_COTP;
		goto out;
	}
	memset(ret, 0, sizeof *ret);
	yg_cur_init(&c, p + 4, len - 4);
	if (!yg_cur_u8(&c, &li) || li < 1 || !yg_cur_sub(&c, li, &cotp) ||
	    !yg_cur_u8(&cotp, &ret->cotp_type)) {
		an = YG_ANOM_S7_BAD_COTP;
		goto out;
	}
	ret->cotp_type &= 0xf0;
	ret->kind = YG_S7_COTP_ONLY;
	if (ret->cotp_type == 0xe0 || ret->cotp_type == 0xd0) {
		if (yg_cur_skip(&cotp, 5))
			cotp_params(&cotp, ret);
		r = 0;
		goto out;
	}
	if (ret->cotp_type != 0xf0 || !yg_cur_u8(&c, &proto)) {
		r = 0;
		goto out;
	}
	if (proto == 0x32) {
		ret->kind = YG_S7_CLASSIC;
		r = s7(&c, ret, &an);
	} else if (proto == 0x72) {
		ret->kind = YG_S7_PLUS;
		r = s7plus(&c, ret, &an);
	} else {
		an = YG_ANOM_S7_MALFORMED;
		r = -EBADMSG;
	}
out:
	if (ret_anom)
		*ret_anom = an;
	return r;
}
