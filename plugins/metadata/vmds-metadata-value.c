/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-error.h"
#include "vmds-metadata-value.h"

/*
 * The values of object metadata (vCD's TypedValue), each read into its
 * canonical text and, but for strings, the integer the query index compares
 * (`num`):
 *
 *   STRING     any UTF-8, as sent (a C string: no NUL); num none
 *   NUMBER     xsd:long: an optional sign ('+' too), one or more ASCII
 *              digits (leading zeros allowed), nothing else (no blanks,
 *              no '.', no exponent), -9223372036854775808 to
 *              9223372036854775807 exactly; canonical: decimal, no '+',
 *              no leading zeros, 0 never "-0"; num the value
 *   BOOLEAN    xsd:boolean, case-sensitive: 1, 0, true, false; canonical
 *              true or false; num 1 or 0
 *   DATETIME   xsd:dateTime: YYYY-MM-DDThh:mm:ss[.s+][Z|(+|-)hh:mm], 'T' and
 *              'Z' in capitals; num the instant in microseconds since
 *              1970-01-01T00:00:00Z; canonical the instant in UTC, xsd's
 *              canonical form: YYYY-MM-DDThh:mm:ss[.ffffff]Z, the fraction
 *              without trailing zeros and left out when zero
 *
 * Decisions where xsd or vCD leave a choice:
 * - a DATETIME without a zone is UTC (vCD keeps UTC instants; xsd would
 *   call it "local, unknown"), so it is one instant like the others;
 * - years are 0001 to 9999, four digits (xsd allows more, and negative
 *   ones; no client sends them), and the instant, once in UTC, too:
 *   0001-01-01T00:00:00+00:01 and 9999-12-31T23:00:00-01:00 are refused;
 * - the fraction has any number of digits, but the instant is kept to the
 *   microsecond: a non-zero digit after the sixth is refused, not rounded;
 * - 24:00:00 (fraction zero) is midnight at the end of the day, as in xsd
 *   1.0: 2012-06-18T24:00:00Z is 2012-06-19T00:00:00Z; a leap second (60)
 *   is refused; zone offsets are -14:00 to +14:00, -00:00 is Z;
 * - the days of the Gregorian calendar, proleptic before 1582, leap years
 *   included.
 * Messages never repeat the value: it may be long, and it is the client's.
 */

#define VMDS_METADATA_DAY_USEC (G_GINT64_CONSTANT(86400) * G_USEC_PER_SEC)

static const struct {
	const gchar *name;     /* the query grammar's and the index's */
	const gchar *api_name; /* the REST body's `_type` */
} vmds_metadata_type_names[] = {
    [VMDS_METADATA_STRING] = {"STRING", "MetadataStringValue"},
    [VMDS_METADATA_NUMBER] = {"NUMBER", "MetadataNumberValue"},
    [VMDS_METADATA_DATETIME] = {"DATETIME", "MetadataDateTimeValue"},
    [VMDS_METADATA_BOOLEAN] = {"BOOLEAN", "MetadataBooleanValue"},
};
G_STATIC_ASSERT(G_N_ELEMENTS(vmds_metadata_type_names) == VMDS_METADATA_TYPE_LAST);

/**
 * vmds_metadata_type_to_string:
 * @type: a #VmdsMetadataType
 *
 * Returns: `STRING`, `NUMBER`, `DATETIME` or `BOOLEAN`; %NULL for no type
 */
const gchar *
vmds_metadata_type_to_string(VmdsMetadataType type)
{
	if ((guint)type >= VMDS_METADATA_TYPE_LAST)
		return NULL;
	return vmds_metadata_type_names[type].name;
}

/**
 * vmds_metadata_type_from_string:
 * @text: `STRING`, `NUMBER`, `DATETIME` or `BOOLEAN`, in capitals
 * @type: (out): the type
 *
 * Returns: %FALSE when @text names no type
 */
gboolean
vmds_metadata_type_from_string(const gchar *text, VmdsMetadataType *type)
{
	for (guint i = 0; text != NULL && i < VMDS_METADATA_TYPE_LAST; i++) {
		if (g_strcmp0(text, vmds_metadata_type_names[i].name) == 0) {
			*type = (VmdsMetadataType)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * vmds_metadata_type_to_api_name:
 * @type: a #VmdsMetadataType
 *
 * Returns: vCD's name of the type, `MetadataStringValue` and so on; %NULL
 *   for no type
 */
const gchar *
vmds_metadata_type_to_api_name(VmdsMetadataType type)
{
	if ((guint)type >= VMDS_METADATA_TYPE_LAST)
		return NULL;
	return vmds_metadata_type_names[type].api_name;
}

/**
 * vmds_metadata_type_from_api_name:
 * @text: vCD's name of a type, `MetadataStringValue` and so on
 * @type: (out): the type
 *
 * Returns: %FALSE when @text names no type
 */
gboolean
vmds_metadata_type_from_api_name(const gchar *text, VmdsMetadataType *type)
{
	for (guint i = 0; text != NULL && i < VMDS_METADATA_TYPE_LAST; i++) {
		if (g_strcmp0(text, vmds_metadata_type_names[i].api_name) == 0) {
			*type = (VmdsMetadataType)i;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
vmds_metadata_value_fail(GError **error, const gchar *why)
{
	g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, why);
	return FALSE;
}

/* xsd:long, exactly */
static gboolean
vmds_metadata_parse_number(const gchar *text, gint64 *value, GError **error)
{
	const gchar *p = text;
	gboolean negative = FALSE;
	gboolean overflow = FALSE;
	guint64 limit;
	guint64 magnitude = 0;

	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (*p == '\0')
		return vmds_metadata_value_fail(
		    error, "a NUMBER value is a decimal integer: an optional sign, then digits");
	limit = negative ? (guint64)G_MAXINT64 + 1 : (guint64)G_MAXINT64;
	for (; *p != '\0'; p++) {
		guint64 digit;

		if (!g_ascii_isdigit(*p))
			return vmds_metadata_value_fail(
			    error,
			    "a NUMBER value is a decimal integer: an optional sign, then digits");
		digit = (guint64)(*p - '0');
		if (magnitude > (limit - digit) / 10)
			overflow = TRUE;
		else
			magnitude = magnitude * 10 + digit;
	}
	if (overflow)
		return vmds_metadata_value_fail(error,
						"a NUMBER value is a signed 64-bit integer, "
						"-9223372036854775808 to 9223372036854775807");
	if (!negative)
		*value = (gint64)magnitude;
	else if (magnitude == (guint64)G_MAXINT64 + 1)
		*value = G_MININT64;
	else
		*value = -(gint64)magnitude;
	return TRUE;
}

/* xsd:boolean, exactly */
static gboolean
vmds_metadata_parse_boolean(const gchar *text, gboolean *value, GError **error)
{
	if (g_str_equal(text, "true") || g_str_equal(text, "1")) {
		*value = TRUE;
		return TRUE;
	}
	if (g_str_equal(text, "false") || g_str_equal(text, "0")) {
		*value = FALSE;
		return TRUE;
	}
	return vmds_metadata_value_fail(error, "a BOOLEAN value is 1, 0, true or false");
}

/* exactly @n decimal digits at @p; stops at the NUL, never past it */
static gboolean
vmds_metadata_digits(const gchar *p, guint n, guint *value)
{
	guint v = 0;

	for (guint i = 0; i < n; i++) {
		if (!g_ascii_isdigit(p[i]))
			return FALSE;
		v = v * 10 + (guint)(p[i] - '0');
	}
	*value = v;
	return TRUE;
}

static gboolean
vmds_metadata_leap_year(gint64 year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static guint
vmds_metadata_days_in_month(gint64 year, guint month)
{
	static const guint days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return month == 2 && vmds_metadata_leap_year(year) ? 29 : days[month - 1];
}

/* days since 1970-01-01 of a day of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil) */
static gint64
vmds_metadata_days_from_civil(gint64 year, guint month, guint day)
{
	gint64 era;
	gint64 yoe;
	gint64 doy;
	gint64 doe;

	year -= month <= 2;
	era = (year >= 0 ? year : year - 399) / 400;
	yoe = year - era * 400;
	doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* the inverse (civil_from_days) */
static void
vmds_metadata_civil_from_days(gint64 days, gint64 *year, guint *month, guint *day)
{
	gint64 era;
	gint64 doe;
	gint64 yoe;
	gint64 doy;
	gint64 mp;

	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (guint)(doy - (153 * mp + 2) / 5 + 1);
	*month = (guint)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* the instants of years 0001 to 9999 in UTC */
#define VMDS_METADATA_MIN_USEC (G_GINT64_CONSTANT(-719162) * VMDS_METADATA_DAY_USEC)
#define VMDS_METADATA_MAX_USEC (G_GINT64_CONSTANT(2932897) * VMDS_METADATA_DAY_USEC - 1)

static gboolean
vmds_metadata_datetime_layout_fail(GError **error)
{
	return vmds_metadata_value_fail(
	    error,
	    "a DATETIME value is an xsd:dateTime, YYYY-MM-DDThh:mm:ss[.s][Z|(+|-)hh:mm], "
	    "e.g. 2012-06-18T12:00:00-05:00");
}

/* xsd:dateTime, to microseconds since the epoch */
static gboolean
vmds_metadata_parse_datetime(const gchar *text, gint64 *usec, GError **error)
{
	const gchar *p = text;
	guint year, month, day, hour, minute, second;
	guint fraction = 0;
	gint offset = 0; /* minutes east of UTC */
	gint64 value;

	if (!(vmds_metadata_digits(p, 4, &year) && p[4] == '-' &&
	      vmds_metadata_digits(p + 5, 2, &month) && p[7] == '-' &&
	      vmds_metadata_digits(p + 8, 2, &day) && p[10] == 'T' &&
	      vmds_metadata_digits(p + 11, 2, &hour) && p[13] == ':' &&
	      vmds_metadata_digits(p + 14, 2, &minute) && p[16] == ':' &&
	      vmds_metadata_digits(p + 17, 2, &second)))
		return vmds_metadata_datetime_layout_fail(error);
	p += 19;
	if (*p == '.') {
		guint n = 0;

		for (p++; g_ascii_isdigit(*p); p++, n++) {
			if (n < 6)
				fraction = fraction * 10 + (guint)(*p - '0');
			else if (*p != '0')
				return vmds_metadata_value_fail(
				    error,
				    "a DATETIME value is kept to the microsecond: its fraction has "
				    "no non-zero digit after the sixth");
		}
		if (n == 0)
			return vmds_metadata_datetime_layout_fail(error);
		for (; n < 6; n++)
			fraction *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		guint zone_hour, zone_minute;

		if (!(vmds_metadata_digits(p + 1, 2, &zone_hour) && p[3] == ':' &&
		      vmds_metadata_digits(p + 4, 2, &zone_minute)))
			return vmds_metadata_datetime_layout_fail(error);
		if (zone_hour > 14 || zone_minute > 59 || (zone_hour == 14 && zone_minute != 0))
			return vmds_metadata_value_fail(
			    error, "a DATETIME value's time zone is -14:00 to +14:00");
		offset = (gint)(zone_hour * 60 + zone_minute) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	if (*p != '\0')
		return vmds_metadata_datetime_layout_fail(error);
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > vmds_metadata_days_in_month(year, month) || minute > 59 || second > 59 ||
	    (hour > 23 && !(hour == 24 && minute == 0 && second == 0 && fraction == 0)))
		return vmds_metadata_value_fail(
		    error,
		    "a DATETIME value is a day of the calendar (years 0001 to 9999) and a time "
		    "of day, 00:00:00 to 23:59:59 or 24:00:00");
	value = vmds_metadata_days_from_civil(year, month, day) * VMDS_METADATA_DAY_USEC +
		((gint64)hour * 3600 + minute * 60 + second - offset * 60) * G_USEC_PER_SEC +
		fraction;
	if (value < VMDS_METADATA_MIN_USEC || value > VMDS_METADATA_MAX_USEC)
		return vmds_metadata_value_fail(
		    error, "a DATETIME value is in the years 0001 to 9999 once in UTC");
	*usec = value;
	return TRUE;
}

/**
 * vmds_metadata_format_datetime:
 * @usec: an instant of the years 0001 to 9999, in microseconds since the
 *   epoch
 *
 * Returns: (transfer full): its canonical text, in UTC:
 *   `YYYY-MM-DDThh:mm:ss[.ffffff]Z`, the fraction without trailing zeros
 *   and left out when zero
 */
gchar *
vmds_metadata_format_datetime(gint64 usec)
{
	gint64 days;
	gint64 rest;
	gint64 year;
	guint month, day;
	guint fraction;
	gchar fraction_text[8] = "";

	g_return_val_if_fail(usec >= VMDS_METADATA_MIN_USEC && usec <= VMDS_METADATA_MAX_USEC,
			     NULL);

	/* floor division: the instants before 1970 too */
	days = usec / VMDS_METADATA_DAY_USEC;
	rest = usec % VMDS_METADATA_DAY_USEC;
	if (rest < 0) {
		days--;
		rest += VMDS_METADATA_DAY_USEC;
	}
	vmds_metadata_civil_from_days(days, &year, &month, &day);
	fraction = (guint)(rest % G_USEC_PER_SEC);
	rest /= G_USEC_PER_SEC;
	if (fraction != 0) {
		gsize len;

		g_snprintf(fraction_text, sizeof(fraction_text), ".%06u", fraction);
		len = strlen(fraction_text);
		while (fraction_text[len - 1] == '0')
			fraction_text[--len] = '\0';
	}
	return g_strdup_printf("%04" G_GINT64_FORMAT "-%02u-%02uT%02u:%02u:%02u%sZ",
			       year,
			       month,
			       day,
			       (guint)(rest / 3600),
			       (guint)(rest / 60 % 60),
			       (guint)(rest % 60),
			       fraction_text);
}

/**
 * vmds_metadata_parse_value:
 * @type: the value's type
 * @text: the value as sent
 * @canonical: (out) (optional) (transfer full): its canonical text
 * @num: (out) (optional): what the query index compares: the NUMBER, the
 *   DATETIME in microseconds since the epoch, the BOOLEAN as 1 or 0; 0 for
 *   a STRING (which has none)
 * @error: a #GError or %NULL
 *
 * Reads a value of @type (see the grammar at the top of this file).
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @text is not a
 *   value of @type (`notANumber`, `notABool`, `notADate`)
 */
gboolean
vmds_metadata_parse_value(
    VmdsMetadataType type, const gchar *text, gchar **canonical, gint64 *num, GError **error)
{
	g_autofree gchar *result = NULL;
	gint64 value = 0;

	g_return_val_if_fail(text != NULL, FALSE);

	switch (type) {
	case VMDS_METADATA_STRING:
		if (!g_utf8_validate(text, -1, NULL))
			return vmds_metadata_value_fail(error, "a STRING value is UTF-8");
		result = g_strdup(text);
		break;
	case VMDS_METADATA_NUMBER:
		if (!vmds_metadata_parse_number(text, &value, error))
			return FALSE;
		result = g_strdup_printf("%" G_GINT64_FORMAT, value);
		break;
	case VMDS_METADATA_DATETIME:
		if (!vmds_metadata_parse_datetime(text, &value, error))
			return FALSE;
		result = vmds_metadata_format_datetime(value);
		break;
	case VMDS_METADATA_BOOLEAN: {
		gboolean b = FALSE;

		if (!vmds_metadata_parse_boolean(text, &b, error))
			return FALSE;
		value = b ? 1 : 0;
		result = g_strdup(b ? "true" : "false");
		break;
	}
	default:
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "unknown metadata value type %d",
			    (gint)type);
		return FALSE;
	}
	if (canonical != NULL)
		*canonical = g_steal_pointer(&result);
	if (num != NULL)
		*num = value;
	return TRUE;
}
