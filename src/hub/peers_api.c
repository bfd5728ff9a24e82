/*
 * GET /api/v1/peers: the federation's peers as this hub sees them (README,
 * "Federation"), for admins: state, lag, objects in and out, last error.
 * Never a token: the workers' status (federation.h) has none to give.
 *
 *   200 {"peers":[{"name":"hub-b","state":"ok","objects_in":12,...}]}
 */
#include <errno.h>

#include "federation/federation.h"
#include "hub/hub-int.h"
#include "hub/rest_reply.h"

int yg_peers_api_handle(struct yg_hub *h, const struct yg_caller *who, const struct yg_req *req,
                        struct yg_resp *resp)
{
	if (!yg_rest_method(req, resp, "GET") || !yg_rest_accepts(req, resp))
		return 0;
	if (who->role != YG_ROLE_ADMIN) {
		yg_rest_error(resp, 403, "forbidden", "the peers are for admins");
		return 0;
	}
	json_t *arr = yg_fed_status(h->fed);
	if (!arr) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		return 0;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "peers", arr));
	return 0;
}
