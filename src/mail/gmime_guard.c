/* The guard around GMime's address-header parse (gmime_guard.h). */
#include "mail/gmime_guard.h"

#include <gmime/gmime.h>
#include <string.h>
#include <strings.h>

static const char *const address_headers[] = {"Sender", "From", "Reply-To", "To", "Cc", "Bcc"};

/* GMimeMessage's own header_added and its parent's, kept at install. */
static void (*message_header_added)(GMimeObject *, GMimeHeader *);
static void (*object_header_added)(GMimeObject *, GMimeHeader *);

bool yg_mail_is_address_header(const char *name)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof address_headers / sizeof address_headers[0]; i++)
		if (!strcasecmp(name, address_headers[i]))
			return true;
	return false;
}

bool yg_mail_addr_comment_unclosed(const char *v, size_t len)
{
	size_t depth = 0;
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		if (c == '\\') {
			i++; /* the escaped character, whatever it is */
			continue;
		}
		if (depth) { /* in a comment quotes are plain text */
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (quoted) {
			if (c == '"')
				quoted = false;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth = 1;
		}
	}
	return depth > 0;
}

static void guarded_header_added(GMimeObject *object, GMimeHeader *header)
{
	const char *raw = g_mime_header_get_raw_value(header);
	if (raw && yg_mail_is_address_header(g_mime_header_get_name(header)) &&
	    yg_mail_addr_comment_unclosed(raw, strlen(raw))) {
		/* What GMimeMessage's step does besides the address parse is
		 * its parent's step, which these names do not concern; run it
		 * all the same so that nothing else is skipped. */
		if (object_header_added)
			object_header_added(object, header);
		return;
	}
	message_header_added(object, header);
}

void yg_mail_gmime_guard_install(void)
{
	/* The class lives as long as the process: the reference is kept. */
	GMimeObjectClass *k = g_type_class_ref(GMIME_TYPE_MESSAGE);
	GMimeObjectClass *parent = g_type_class_peek_parent(k);
	if (!k || !k->header_added || k->header_added == guarded_header_added)
		return;
	object_header_added = parent ? parent->header_added : NULL;
	message_header_added = k->header_added;
	k->header_added = guarded_header_added;
}
