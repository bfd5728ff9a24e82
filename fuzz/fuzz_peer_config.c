/*
 * Peer configuration documents (src/federation/peer.h): what `hub admin
 * peer add` writes and every hub round reads back from the store. A
 * document that parses must dump and parse again to the same peers; an
 * error message never holds a token.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "federation/peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct yg_fed_peers *p = NULL;
	int r = yg_fed_peers_parse((const char *)data, size, &p, err, sizeof err);
	if (r < 0) {
		if (p || !err[0])
			abort();
		return 0;
	}
	char *dump = yg_fed_peers_dump(p);
	if (!dump)
		abort();
	struct yg_fed_peers *q = NULL;
	if (yg_fed_peers_parse(dump, strlen(dump), &q, err, sizeof err) < 0 || q->n != p->n)
		abort();
	for (size_t i = 0; i < p->n; i++) {
		if (!yg_fed_peer_same(&p->v[i], &q->v[i]))
			abort();
		char cerr[512] = "";
		if (yg_fed_peer_check(&p->v[i], cerr, sizeof cerr) < 0)
			abort();
		if (yg_fed_peers_find(p, p->v[i].name) != &p->v[i])
			abort();
	}
	yg_taxii_secret_free(dump);
	yg_fed_peers_free(q);
	yg_fed_peers_free(p);
	return 0;
}
