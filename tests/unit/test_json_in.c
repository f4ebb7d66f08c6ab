/* test_json_in.c - mqpub --json's line reader: the schema, string
 * escapes (\u0000 and surrogate pairs included), base64, embedded JSON
 * payloads kept as written, user properties encoded in order, times, and
 * the column of each error. */
#include <stdlib.h>

#include "json_in.h"
#include "unit.h"

static json_in j;
static const char *why;
static size_t col;

static int rd(const char *line)
{
	why = NULL;
	col = 0;
	return json_in_read(&j, (const uint8_t *)line, strlen(line), &why, &col);
}

#define BYTES_EQ(b, s) do { CHECK_EQ((b).len, sizeof s - 1); \
	CHECK_MEM((b).ptr, s, sizeof s - 1); } while (0)

static void test_fields(void)
{
	CHECK_EQ(rd("{\"topic\":\"a/b\",\"qos\":2,\"retain\":true,\"message_id\":7,"
		    "\"payload_length\":3,\"payload\":\"abc\"}"), 0);
	BYTES_EQ(j.topic, "a/b");
	BYTES_EQ(j.payload, "abc");
	CHECK_EQ(j.qos, 2);
	CHECK_EQ(j.retain, 1);
	CHECK(!j.has_props && !j.has_time);
	/* nothing given: -1, for the command line to fill */
	CHECK_EQ(rd(" { \"payload\" : \"\" } "), 0);
	CHECK_EQ(j.topic.len, 0);
	CHECK_EQ(j.payload.len, 0);
	CHECK_EQ(j.qos, -1);
	CHECK_EQ(j.retain, -1);
}

static void test_strings(void)
{
	CHECK_EQ(rd("{\"payload\":\"a\\u0000b\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00fc\\ud83d\\ude00\"}"), 0);
	BYTES_EQ(j.payload, "a\0b\"\\/\b\f\n\r\t\xc3\xbc\xf0\x9f\x98\x80");
	/* a key spelled with an escape is still the key */
	CHECK_EQ(rd("{\"\\u0074opic\":\"t\",\"payload\":\"x\"}"), 0);
	BYTES_EQ(j.topic, "t");
	CHECK_EQ(rd("{\"payload_base64\":\"AP8\\/\"}"), 0);
	BYTES_EQ(j.payload, "\x00\xff\x3f");
}

static void test_embedded_json(void)
{
	/* kept as the line has it, inner whitespace included */
	CHECK_EQ(rd("{\"payload\": {\"a\": [1, 2.50, \"x\"]} , \"topic\":\"t\"}"), 0);
	BYTES_EQ(j.payload, "{\"a\": [1, 2.50, \"x\"]}");
	BYTES_EQ(j.topic, "t");
	CHECK_EQ(rd("{\"payload\":12345678901234567890}"), 0);
	BYTES_EQ(j.payload, "12345678901234567890");
	CHECK_EQ(rd("{\"payload\":null}"), 0);
	BYTES_EQ(j.payload, "null");
}

static void test_properties(void)
{
	CHECK_EQ(rd("{\"payload\":\"x\",\"properties\":{\"payload_format_indicator\":1,"
		    "\"message_expiry_interval\":4294967295,\"content_type\":\"c/t\","
		    "\"response_topic\":\"r/t\",\"correlation_data\":\"\\u0000z\","
		    "\"subscription_identifiers\":[1,2],\"topic_alias\":3,"
		    "\"user_properties\":[[\"k\",\"v\"],[\"k\",\"\"]]}}"), 0);
	CHECK(j.has_props && j.has_user);
	CHECK_EQ(j.props.payload_format, 1);
	CHECK_EQ(j.props.message_expiry, 4294967295u);
	BYTES_EQ(j.props.content_type, "c/t");
	BYTES_EQ(j.props.response_topic, "r/t");
	BYTES_EQ(j.props.correlation_data, "\0z");
	BYTES_EQ(j.props.user, "\x26\0\1k\0\1v\x26\0\1k\0\0");
	CHECK(!(j.props.present & MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID)));
	CHECK(!(j.props.present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS)));
	CHECK_EQ(rd("{\"payload\":\"x\",\"properties\":{\"correlation_data_base64\":\"AAE=\"}}"), 0);
	BYTES_EQ(j.props.correlation_data, "\0\1");
	CHECK(!j.has_user);
}

static void test_errors(void)
{
	static const struct { const char *line; size_t col; const char *why; } bad[] = {
		{ "", 1, "not valid JSON" },
		{ "{\"payload\":\"x\"} x", 17, "not valid JSON" },
		{ "{\"payload\":\"\xff\"}", 13, "not valid JSON" },
		{ "{\"payload\":\"\\ud800\"}", 14, "not valid JSON" },
		{ "[]", 1, "expected an object" },
		{ "{\"payload\":1,\"qos\":1.0}", 20, "expected a whole number" },
		{ "{\"payload\":1,\"qos\":-0}", 20, "expected a whole number" },
		{ "{\"payload\":1,\"topic\":\"\"}", 22, "bad topic" },
		{ "{\"payload\":1,\"topic\":5}", 22, "expected a string" },
		{ "{\"payload\":1,\"properties\":[]}", 27, "expected an object" },
		{ "{\"payload\":1,\"properties\":{\"response_topic\":\"a/#\"}}", 45, "bad response topic" },
		{ "{\"payload\":1,\"properties\":{\"content_type\":\"\\u0000\"}}", 43, "content type" },
		{ "{\"payload\":1,\"properties\":{\"user_properties\":[[\"k\",1]]}}", 52, "expected a string" },
		{ "{\"payload\":1,\"properties\":{\"user_properties\":[[\"k\",\"v\",\"w\"]]}}", 47, "expected a [key" },
		{ "{\"payload\":1,\"properties\":{\"correlation_data\":\"a\",\"correlation_data_base64\":\"YQ==\"}}", 77, "give correlation_data" },
		{ "{\"payload\":1,\"properties\":{\"payload_format_indicator\":2}}", 55, "number out of range" },
		{ "{\"payload\":1,\"properties\":{\"message_expiry_interval\":4294967296}}", 54, "number out of range" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = rd(bad[i].line);
		CHECK_EQ(rc, -1);
		if (rc == 0)
			continue;
		if (col != bad[i].col || strncmp(why, bad[i].why, strlen(bad[i].why)))
			fprintf(stderr, "case %zu: column %zu '%s'\n", i, col, why);
		CHECK_EQ(col, bad[i].col);
		CHECK(strncmp(why, bad[i].why, strlen(bad[i].why)) == 0);
	}
}

static void test_time(void)
{
	int64_t ms;
	CHECK_EQ(json_in_time((const uint8_t *)"1970-01-01T00:00:00.000Z", 24, &ms), 0);
	CHECK_EQ(ms, 0);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00.125Z", 24, &ms), 0);
	CHECK_EQ(ms, 1796376600125LL);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00Z", 20, &ms), 0);
	CHECK_EQ(ms, 1796376600000LL);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00.5Z", 22, &ms), 0);
	CHECK_EQ(ms, 1796376600500LL);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00.1239Z", 25, &ms), 0);
	CHECK_EQ(ms, 1796376600123LL);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00.125", 23, &ms), -1);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04 09:30:00Z", 20, &ms), -1);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-13-04T09:30:00Z", 20, &ms), -1);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00.Z", 21, &ms), -1);
	CHECK_EQ(json_in_time((const uint8_t *)"2026-12-04T09:30:00+01:00", 25, &ms), -1);
}

/* A longer line after a short one: the buffer grows, the values hold. */
static void test_growth(void)
{
	size_t n = 200000;
	char *line = malloc(n + 64);
	CHECK(line != NULL);
	if (!line)
		return;
	int k = snprintf(line, 64, "{\"payload\":\"");
	memset(line + k, 'y', n);
	strcpy(line + k + n, "\"}");
	CHECK_EQ(rd("{\"payload\":\"short\"}"), 0);
	CHECK_EQ(rd(line), 0);
	CHECK_EQ(j.payload.len, n);
	CHECK(j.payload.ptr[0] == 'y' && j.payload.ptr[n - 1] == 'y');
	free(line);
}

int main(void)
{
	test_fields();
	test_strings();
	test_embedded_json();
	test_properties();
	test_errors();
	test_time();
	test_growth();
	json_in_free(&j);
	return unit_done("test_json_in");
}
