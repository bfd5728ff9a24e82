/*
 * The host state machine and the indicator classification (hosts.h):
 * data in tables, so a state or a generic label is one row.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hub/hosts.h"

static const char *const state_names[] = {
	[YG_HOST_DETECTED] = "detected",     [YG_HOST_NOTIFIED] = "notified",
	[YG_HOST_ACKNOWLEDGED] = "acknowledged", [YG_HOST_CLEANED] = "cleaned",
	[YG_HOST_REINFECTED] = "reinfected",
};

/* allowed[from][to]: what an owner may do. */
static const bool allowed[5][5] = {
	[YG_HOST_DETECTED] = {[YG_HOST_ACKNOWLEDGED] = true, [YG_HOST_CLEANED] = true},
	[YG_HOST_NOTIFIED] = {[YG_HOST_ACKNOWLEDGED] = true, [YG_HOST_CLEANED] = true},
	[YG_HOST_ACKNOWLEDGED] = {[YG_HOST_CLEANED] = true},
	[YG_HOST_CLEANED] = {false},
	[YG_HOST_REINFECTED] = {[YG_HOST_ACKNOWLEDGED] = true, [YG_HOST_CLEANED] = true},
};

const char *yg_host_state_name(enum yg_host_state s)
{
	return (unsigned)s <= YG_HOST_REINFECTED ? state_names[s] : "unknown";
}

int yg_host_state_parse(const char *s, enum yg_host_state *ret)
{
	for (unsigned i = 0; s && i <= YG_HOST_REINFECTED; i++)
		if (!strcmp(s, state_names[i])) {
			*ret = (enum yg_host_state)i;
			return 0;
		}
	return -EINVAL;
}

const char *yg_host_severity_name(enum yg_host_severity s)
{
	static const char *const n[] = {"low", "medium", "high", "critical"};
	return (unsigned)s <= YG_HOST_SEV_CRITICAL ? n[s] : "unknown";
}

bool yg_host_transition_ok(enum yg_host_state from, enum yg_host_state to)
{
	if ((unsigned)from > YG_HOST_REINFECTED || (unsigned)to > YG_HOST_REINFECTED)
		return false;
	return allowed[from][to];
}

/* Labels that say what an indicator is about but name no family. */
static const char *const generic[] = {
	"malicious-activity", "compromised", "anomalous-activity", "attribution", "benign",
	"unknown", "c2", "cnc", "c&c", "command-and-control", "botnet", "bot", "malware",
	"critical", "high", "medium", "low", "phishing", "scanner",
};

/* Labels that alone make a sighting evidence of an infected host. */
static const char *const infected_labels[] = {"c2", "cnc", "c&c", "command-and-control",
					      "botnet", "bot", "malware"};

static bool in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(s, set[i]))
			return true;
	return false;
}

bool yg_hosts_family_token(const char *s, char out[YG_HOST_FAMILY_MAX + 1])
{
	size_t n = 0;
	for (size_t i = 0; s && s[i] && n < YG_HOST_FAMILY_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c))
			out[n++] = (char)tolower(c);
		else if ((c == '-' || c == '_' || c == '.' || c == ' ') && n && out[n - 1] != '-')
			out[n++] = c == ' ' ? '-' : (char)c;
	}
	while (n && (out[n - 1] == '-' || out[n - 1] == '.'))
		n--;
	/* A leading dot would make a hidden file name. */
	if (n == 0 || out[0] == '.') {
		snprintf(out, YG_HOST_FAMILY_MAX + 1, "unknown");
		return false;
	}
	out[n] = '\0';
	return true;
}

bool yg_hosts_indicator_family(const json_t *ind, char family[YG_HOST_FAMILY_MAX + 1],
			       enum yg_host_severity *ret_sev)
{
	bool evidence = false, critical = false;
	const json_t *types = json_object_get(ind, "indicator_types");
	size_t i;
	const json_t *v;
	json_array_foreach(types, i, v)
	{
		const char *t = json_string_value(v);
		if (t && (!strcmp(t, "malicious-activity") || !strcmp(t, "compromised")))
			evidence = true;
	}
	snprintf(family, YG_HOST_FAMILY_MAX + 1, "unknown");
	bool named = false;
	const json_t *labels = json_object_get(ind, "labels");
	json_array_foreach(labels, i, v)
	{
		const char *l = json_string_value(v);
		if (!l || strlen(l) > 256)
			continue;
		if (!strcasecmp(l, "critical"))
			critical = true;
		if (in(l, infected_labels, sizeof infected_labels / sizeof *infected_labels))
			evidence = true;
		else if (!named && strncasecmp(l, "tlp:", 4) &&
			 !in(l, generic, sizeof generic / sizeof *generic))
			named = yg_hosts_family_token(l, family);
	}
	/* A label naming a family is evidence on its own. */
	evidence |= named;
	const char *sev = json_string_value(json_object_get(ind, "x_yagura_severity"));
	if (sev && !strcmp(sev, "critical"))
		critical = true;
	if (!named)
		snprintf(family, YG_HOST_FAMILY_MAX + 1, "unknown");
	*ret_sev = critical ? YG_HOST_SEV_CRITICAL : YG_HOST_SEV_HIGH;
	return evidence;
}
