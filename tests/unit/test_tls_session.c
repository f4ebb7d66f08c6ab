/* test_tls_session.c - the --tls-resume file: encode/decode round trip,
 * every defect named, expiry rules, and the file checks (mode, symlink,
 * atomic 0600 write). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls_session.h"
#include "unit.h"

static const uint8_t blob[5] = { 1, 2, 3, 4, 5 };

static long sample(uint8_t *buf, size_t cap, uint32_t lifetime, uint64_t saved)
{
	mq_tls_session_file f = { .saved_at = saved, .lifetime = lifetime,
				  .blob = blob, .blob_len = sizeof blob };
	memset(f.params, 0xab, sizeof f.params);
	return mq_tls_session_encode(buf, cap, &f);
}

static void test_codec(void)
{
	uint8_t buf[128], params[32];
	mq_tls_session_file f;
	const char *why = NULL;
	long n = sample(buf, sizeof buf, 7200, 1000);
	CHECK_EQ(n, MQ_TLS_SESSION_HEADER + 5);
	CHECK_MEM(buf, "MQTLSSES", 8);
	CHECK_EQ(mq_tls_session_decode(buf, (size_t)n, &f, &why), 0);
	CHECK_EQ(f.saved_at, 1000);
	CHECK_EQ(f.lifetime, 7200);
	CHECK_EQ(f.blob_len, 5);
	CHECK(f.blob == buf + MQ_TLS_SESSION_HEADER);
	CHECK_EQ(sample(buf, MQ_TLS_SESSION_HEADER + 4, 0, 0), -1);   /* no room */
	for (long len = 0; len < n; len++) {
		CHECK_EQ(mq_tls_session_decode(buf, (size_t)len, &f, &why), -1);
		CHECK(why && !strcmp(why, "truncated"));
	}
	uint8_t more[129];
	memcpy(more, buf, (size_t)n);
	more[n] = 0;
	CHECK_EQ(mq_tls_session_decode(more, (size_t)n + 1, &f, &why), -1);
	CHECK(!strcmp(why, "trailing bytes"));
	buf[0] ^= 1;
	CHECK_EQ(mq_tls_session_decode(buf, (size_t)n, &f, &why), -1);
	CHECK(!strcmp(why, "bad magic"));
	buf[0] ^= 1;
	buf[8] = 2;
	CHECK_EQ(mq_tls_session_decode(buf, (size_t)n, &f, &why), -1);
	CHECK(!strcmp(why, "unknown format version"));
	buf[8] = 1;
	buf[56] = 0x7f;   /* a blob length far beyond what is held */
	CHECK_EQ(mq_tls_session_decode(buf, (size_t)n, &f, &why), -1);
	CHECK(!strcmp(why, "bad session length"));
	buf[56] = 0;
	CHECK_EQ(mq_tls_session_decode(buf, (size_t)n, &f, &why), 0);
	memset(params, 0xab, sizeof params);
	CHECK(mq_tls_session_usable(&f, params, 1000) == NULL);
	CHECK(mq_tls_session_usable(&f, params, 1000 + 7199) == NULL);
	CHECK(!strcmp(mq_tls_session_usable(&f, params, 1000 + 7200), "has expired"));
	CHECK(!strcmp(mq_tls_session_usable(&f, params, 900), "is dated in the future"));
	params[31] ^= 1;
	CHECK(!strcmp(mq_tls_session_usable(&f, params, 1000), "was made with other TLS parameters"));
	params[31] ^= 1;
	f.lifetime = 0;   /* no ticket lifetime: the 24 h cap */
	CHECK(mq_tls_session_usable(&f, params, 1000 + MQ_TLS_SESSION_MAX_AGE - 1) == NULL);
	CHECK(mq_tls_session_usable(&f, params, 1000 + MQ_TLS_SESSION_MAX_AGE) != NULL);
	f.lifetime = 7 * 86400;   /* a longer ticket lifetime is capped too */
	CHECK(mq_tls_session_usable(&f, params, 1000 + MQ_TLS_SESSION_MAX_AGE) != NULL);
}

static void test_files(void)
{
	char dir[] = "/tmp/mq-tls-session.XXXXXX", path[4300], link[4300], why[200];
	uint8_t buf[128], in[256], key[32] = { 0x01, 0xfe };
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(mq_tls_session_path(path, sizeof path, dir, key), 0);
	CHECK(strstr(path, "/01fe0000") != NULL);
	CHECK(strlen(strrchr(path, '/')) == 1 + 64 + 4);
	CHECK_EQ(mq_tls_session_path(path, 10, dir, key), -1);
	CHECK_EQ(mq_tls_session_path(path, sizeof path, dir, key), 0);
	CHECK_EQ(mq_tls_session_read(path, in, sizeof in, why, sizeof why), 0);   /* none */
	long n = sample(buf, sizeof buf, 0, 5);
	CHECK_EQ(mq_tls_session_write(path, buf, (size_t)n, why, sizeof why), 0);
	struct stat st;
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(mq_tls_session_read(path, in, sizeof in, why, sizeof why), n);
	CHECK_MEM(in, buf, (size_t)n);
	CHECK_EQ(chmod(path, 0640), 0);
	CHECK_EQ(mq_tls_session_read(path, in, sizeof in, why, sizeof why), -1);
	CHECK(!strcmp(why, "readable or writable by group or others"));
	CHECK_EQ(mq_tls_session_write(path, buf, (size_t)n, why, sizeof why), 0);
	CHECK_EQ(mq_tls_session_read(path, in, sizeof in, why, sizeof why), n);
	snprintf(link, sizeof link, "%s/link.tls", dir);
	CHECK_EQ(symlink(path, link), 0);
	CHECK_EQ(mq_tls_session_read(link, in, sizeof in, why, sizeof why), -1);
	CHECK(!strcmp(why, "a symbolic link"));
	unlink(link);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_codec();
	test_files();
	return unit_done("test_tls_session");
}
