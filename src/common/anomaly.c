#include "common/anomaly.h"

static const char *const names[] = {
#define YG_X_NAME(id, name) name,
	YG_ANOMALY_LIST(YG_X_NAME)
#undef YG_X_NAME
};

const char *yg_anomaly_name(unsigned kind)
{
	return kind < YG_ANOM__COUNT ? names[kind] : "unknown";
}
