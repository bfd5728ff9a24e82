/* A bounded fetch from a JetStream pull subscription (nats_fetch.h). */
#include "hub/nats_fetch.h"

/* How long a no_wait fill-up may take to be answered: the server answers
 * at once, with a message or with "no messages"; a late answer stays in
 * the subscription for the next fetch. */
#define FILL_WAIT_MS 200

/* Moves a fetch's messages (one, asked for one) into ret_msgs and frees
 * the list; anything past the room left is destroyed (unacknowledged, the
 * server delivers it again). */
static void take(natsMsgList *list, natsMsg **ret_msgs, size_t max, size_t *n)
{
	for (int i = 0; i < list->Count; i++)
		if (*n < max) {
			ret_msgs[(*n)++] = list->Msgs[i];
			list->Msgs[i] = NULL;
		}
	natsMsgList_Destroy(list);
}

natsStatus yg_hub_nats_fetch(natsSubscription *sub, natsMsg **ret_msgs, size_t max,
                             int64_t wait_ms, size_t *ret_n)
{
	natsMsgList list = {0};
	jsErrCode jerr = 0;
	size_t n = 0;
	*ret_n = 0;
	if (!max)
		return NATS_INVALID_ARG;
	/* One at a time (nats_fetch.h): a batch of one cannot overflow. */
	natsStatus s = natsSubscription_Fetch(&list, sub, 1, wait_ms, &jerr);
	if (s != NATS_OK)
		return s;
	take(&list, ret_msgs, max, &n);
	while (n > 0 && n < max) {
		jsFetchRequest req;
		jsFetchRequest_Init(&req);
		req.Batch = 1;
		req.NoWait = true;
		req.Expires = (int64_t)FILL_WAIT_MS * 1000000;
		/* NATS_NOT_FOUND: none at hand now; the batch ends here. */
		if (natsSubscription_FetchRequest(&list, sub, &req) != NATS_OK)
			break;
		size_t before = n;
		take(&list, ret_msgs, max, &n);
		if (n == before)
			break;
	}
	*ret_n = n;
	return n ? NATS_OK : NATS_TIMEOUT;
}
