/*
 * IEC 60870-5-104 (2006), section 5 (APCI), with the ASDU of
 * IEC 60870-5-101 section 7.2.
 *
 *   APDU:  68 | LEN (4..253) | CF1 | CF2 | CF3 | CF4 | ASDU (I frames)
 *   I:     CF1 bit 0 = 0   N(S) = CF1 >> 1 | CF2 << 7, N(R) = CF3 >> 1 | CF4 << 7
 *   S:     CF1 = 0x01      N(R) as above
 *   U:     CF1 = xxxxxx11  STARTDT act 0x07 / con 0x0b, STOPDT 0x13 / 0x23,
 *                          TESTFR 0x43 / 0x83
 *   ASDU:  TYPE | VSQ (SQ 0x80, number 0x7f) | COT (T 0x80, P/N 0x40,
 *          cause 0x3f) | ORIGINATOR | COMMON ADDRESS (2, LE) |
 *          IOA (3, LE) | elements...
 *
 * Decisions:
 *  - The 104 profile's field sizes are fixed (COT 2 bytes, common address
 *    2, IOA 3); other sizes are IEC 101's, not 104's.
 *  - Only the ASDU header and the first IOA are decoded: enough to say
 *    which command went to which point, and to classify it for a policy.
 *  - A command type sent with a confirmation or termination cause
 *    (actcon, deactcon, actterm) is the outstation answering, not a
 *    command, and has no operation class.
 */
#include "app/iec104.h"

#include <errno.h>
#include <string.h>

#include "common/cursor.h"

struct type {
	const char *name;
	uint8_t op;
};

static const struct type types[128] = {
    [1] = {"M_SP_NA_1", 0},   [2] = {"M_SP_TA_1", 0},   [3] = {"M_DP_NA_1", 0},
    [4] = {"M_DP_TA_1", 0},   [5] = {"M_ST_NA_1", 0},   [6] = {"M_ST_TA_1", 0},
    [7] = {"M_BO_NA_1", 0},   [8] = {"M_BO_TA_1", 0},   [9] = {"M_ME_NA_1", 0},
    [10] = {"M_ME_TA_1", 0},  [11] = {"M_ME_NB_1", 0},  [12] = {"M_ME_TB_1", 0},
    [13] = {"M_ME_NC_1", 0},  [14] = {"M_ME_TC_1", 0},  [15] = {"M_IT_NA_1", 0},
    [16] = {"M_IT_TA_1", 0},  [17] = {"M_EP_TA_1", 0},  [18] = {"M_EP_TB_1", 0},
    [19] = {"M_EP_TC_1", 0},  [20] = {"M_PS_NA_1", 0},  [21] = {"M_ME_ND_1", 0},
    [30] = {"M_SP_TB_1", 0},  [31] = {"M_DP_TB_1", 0},  [32] = {"M_ST_TB_1", 0},
    [33] = {"M_BO_TB_1", 0},  [34] = {"M_ME_TD_1", 0},  [35] = {"M_ME_TE_1", 0},
    [36] = {"M_ME_TF_1", 0},  [37] = {"M_IT_TB_1", 0},  [38] = {"M_EP_TD_1", 0},
    [39] = {"M_EP_TE_1", 0},  [40] = {"M_EP_TF_1", 0},
    [45] = {"C_SC_NA_1", YG_ICS_OP_OPERATE}, [46] = {"C_DC_NA_1", YG_ICS_OP_OPERATE},
    [47] = {"C_RC_NA_1", YG_ICS_OP_OPERATE}, [48] = {"C_SE_NA_1", YG_ICS_OP_OPERATE},
    [49] = {"C_SE_NB_1", YG_ICS_OP_OPERATE}, [50] = {"C_SE_NC_1", YG_ICS_OP_OPERATE},
    [51] = {"C_BO_NA_1", YG_ICS_OP_OPERATE}, [58] = {"C_SC_TA_1", YG_ICS_OP_OPERATE},
    [59] = {"C_DC_TA_1", YG_ICS_OP_OPERATE}, [60] = {"C_RC_TA_1", YG_ICS_OP_OPERATE},
    [61] = {"C_SE_TA_1", YG_ICS_OP_OPERATE}, [62] = {"C_SE_TB_1", YG_ICS_OP_OPERATE},
    [63] = {"C_SE_TC_1", YG_ICS_OP_OPERATE}, [64] = {"C_BO_TA_1", YG_ICS_OP_OPERATE},
    [70] = {"M_EI_NA_1", 0},
    [100] = {"C_IC_NA_1", YG_ICS_OP_READ},  [101] = {"C_CI_NA_1", YG_ICS_OP_READ},
    [102] = {"C_RD_NA_1", YG_ICS_OP_READ},  [103] = {"C_CS_NA_1", YG_ICS_OP_WRITE},
    [104] = {"C_TS_NA_1", YG_ICS_OP_READ},  [105] = {"C_RP_NA_1", YG_ICS_OP_RESTART},
    [106] = {"C_CD_NA_1", YG_ICS_OP_READ},  [107] = {"C_TS_TA_1", YG_ICS_OP_READ},
    [110] = {"P_ME_NA_1", YG_ICS_OP_WRITE}, [111] = {"P_ME_NB_1", YG_ICS_OP_WRITE},
    [112] = {"P_ME_NC_1", YG_ICS_OP_WRITE}, [113] = {"P_AC_NA_1", YG_ICS_OP_WRITE},
    /* File transfer: a file ready, a section ready and segments sent by
     * the controlling station go to the outstation. */
    [120] = {"F_FR_NA_1", YG_ICS_OP_DOWNLOAD}, [121] = {"F_SR_NA_1", YG_ICS_OP_DOWNLOAD},
    [122] = {"F_SC_NA_1", YG_ICS_OP_READ},     [123] = {"F_LS_NA_1", YG_ICS_OP_DOWNLOAD},
    [124] = {"F_AF_NA_1", YG_ICS_OP_READ},     [125] = {"F_SG_NA_1", YG_ICS_OP_DOWNLOAD},
    [126] = {"F_DR_TA_1", YG_ICS_OP_READ},     [127] = {"F_SC_NB_1", YG_ICS_OP_READ},
};

const char *yg_iec104_type_name(uint8_t t)
{
	return t < 128 ? types[t].name : NULL;
}

const char *yg_iec104_cause_name(uint8_t cause)
{
	static const char *const names[48] = {
	    [1] = "per/cyc", [2] = "back", [3] = "spont", [4] = "init", [5] = "req",
	    [6] = "act", [7] = "actcon", [8] = "deact", [9] = "deactcon", [10] = "actterm",
	    [11] = "retrem", [12] = "retloc", [13] = "file", [20] = "inrogen",
	    [21] = "inro1", [22] = "inro2", [23] = "inro3", [24] = "inro4", [25] = "inro5",
	    [26] = "inro6", [27] = "inro7", [28] = "inro8", [29] = "inro9", [30] = "inro10",
	    [31] = "inro11", [32] = "inro12", [33] = "inro13", [34] = "inro14",
	    [35] = "inro15", [36] = "inro16", [37] = "reqcogen", [38] = "reqco1",
	    [39] = "reqco2", [40] = "reqco3", [41] = "reqco4", [44] = "unknown_type",
	    [45] = "unknown_cause", [46] = "unknown_common_address", [47] = "unknown_ioa",
	};
	return cause < 48 ? names[cause] : NULL;
}

const char *yg_iec104_u_name(uint8_t u)
{
	switch (u) {
	case 0x07: return "STARTDT_ACT";
	case 0x0b: return "STARTDT_CON";
	case 0x13: return "STOPDT_ACT";
	case 0x23: return "STOPDT_CON";
	case 0x43: return "TESTFR_ACT";
	case 0x83: return "TESTFR_CON";
	default: return NULL;
	}
}

int yg_iec104_apdu_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom)
{
	if (n >= 1 && p[0] != 0x68)
		goto bad;
	if (n < 2)
		return -EAGAIN;
	if (p[1] < 4 || p[1] > 253)
		goto bad;
	*ret_len = 2u + p[1];
	return 0;
bad:
	if (ret_anom)
		*ret_anom = YG_ANOM_IEC104_MALFORMED;
	return -EBADMSG;
}

int yg_iec104_parse(const uint8_t *p, size_t len, struct yg_iec104_apdu *ret,
		    enum yg_anomaly *ret_anom)
{
	size_t want;
	enum yg_anomaly an = YG_ANOM__COUNT;
	if (yg_iec104_apdu_len(p, len, &want, &an) < 0 || want != len) {
		if (ret_anom)
			*ret_anom = YG_ANOM_IEC104_MALFORMED;
		return -EBADMSG;
	}
	memset(ret, 0, sizeof *ret);
	const uint8_t *cf = p + 2;
	if (!(cf[0] & 1)) {
		ret->format = 'I';
		ret->send_seq = (uint16_t)((cf[0] >> 1) | (cf[1] << 7));
		ret->recv_seq = (uint16_t)((cf[2] >> 1) | (cf[3] << 7));
	} else if ((cf[0] & 3) == 1) {
		ret->format = 'S';
		ret->recv_seq = (uint16_t)((cf[2] >> 1) | (cf[3] << 7));
		if (len != 6)
			an = YG_ANOM_IEC104_MALFORMED;
	} else {
		ret->format = 'U';
		ret->u_function = cf[0];
		if (!yg_iec104_u_name(cf[0]) || len != 6)
			an = YG_ANOM_IEC104_MALFORMED;
	}
	if (ret->format == 'I') {
		struct yg_cur c;
		uint8_t vsq, cot, b[3];
		yg_cur_init(&c, p + 6, len - 6);
		if (!yg_cur_u8(&c, &ret->type_id) || !yg_cur_u8(&c, &vsq) || !yg_cur_u8(&c, &cot) ||
		    !yg_cur_u8(&c, &ret->originator) || !yg_cur_copy(&c, b, 2)) {
			an = YG_ANOM_IEC104_BAD_ASDU;
			goto out;
		}
		ret->common_address = (uint16_t)(b[0] | b[1] << 8);
		ret->count = vsq & 0x7f;
		ret->sequence = vsq & 0x80;
		ret->cause = cot & 0x3f;
		ret->negative = cot & 0x40;
		ret->test = cot & 0x80;
		ret->has_asdu = true;
		if (ret->count && yg_cur_copy(&c, b, 3))
			ret->ioa = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		else if (ret->count)
			an = YG_ANOM_IEC104_BAD_ASDU;
		if (!types[ret->type_id & 0x7f].name || ret->type_id >= 128 ||
		    !yg_iec104_cause_name(ret->cause))
			an = YG_ANOM_IEC104_BAD_ASDU;
		if (ret->type_id < 128 && ret->cause != 7 && ret->cause != 9 && ret->cause != 10)
			ret->op = (enum yg_ics_op)types[ret->type_id].op;
	}
out:
	if (ret_anom)
		*ret_anom = an;
	return 0;
}
