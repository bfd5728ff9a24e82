/*
 * The notifier's channels (notify_send.c): an e-mail through SMTP and a
 * signed webhook, both with libcurl. Each call is one attempt; the
 * notifier (notify.c) decides retries.
 */
#ifndef YG_HUB_NOTIFY_SEND_H
#define YG_HUB_NOTIFY_SEND_H

#include <stdbool.h>
#include <stddef.h>

#define YG_NOTIFY_SIG_HEADER "X-Yagura-Signature"

struct yg_smtp_config {
	char url[512];      /* smtp://host:port or smtps://host:port */
	int starttls;       /* 0 off, 1 when offered, 2 required */
	char user[256];     /* "" none */
	char password[256];
	char from[256];
	unsigned timeout_s;
	bool insecure;      /* skip certificate checks (test servers only) */
	char ca_file[512];  /* CA certificates to verify the server by; "": the system's */
};

/*
 * Builds an RFC 5322 message: UTF-8 text in base64, the subject as an
 * RFC 2047 encoded word, Content-Language lang. from and to were checked
 * (yg_owner_email_ok). Returns the message (caller frees) or NULL.
 */
char *yg_notify_mail_build(const char *from, const char *to, const char *subject,
			   const char *text, const char *lang, const char *ref, size_t *ret_len);

/* Sends msg to one recipient. 0, or -EIO with err set. */
int yg_notify_smtp(const struct yg_smtp_config *c, const char *to, const char *msg, size_t len,
		   char *err, size_t errlen);

/* "sha256=" and the hex HMAC-SHA256 of body keyed with the secret's text. */
int yg_notify_signature(const char *secret, const char *body, size_t len, char out[72]);

/* POSTs body (JSON) signed with secret; 2xx is success. *ret_status gets
 * the HTTP status (0 when none). 0, or -EIO with err set. */
int yg_notify_webhook(const char *url, const char *secret, const char *body, unsigned timeout_s,
		      long *ret_status, char *err, size_t errlen);

#endif
