/*
 * floor PORT - the one-shot floor for tools/bench: the least a QoS 1
 * publish can cost.  Connects to 127.0.0.1:PORT, sends a pre-encoded
 * MQTT 5 CONNECT and QoS 1 PUBLISH (the bytes mqpub -p PORT -t bench/one
 * -q 1 -m hello sends: clean start, keep alive 60, Receive Maximum 65535,
 * an 18-byte client identifier), waits for CONNACK and PUBACK, sends
 * DISCONNECT and exits.  No option parsing beyond the port, no
 * allocation, no name lookup.  Bench tooling, not the product; built by
 * tools/bench with cc -O2 -static.  Exit 0 when both acknowledgements
 * came without an error, 1 otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/* MQTT 5.0 section 3.1 CONNECT and 3.3 PUBLISH (packet id 1, no
 * properties), sent together in one write. */
static const unsigned char hello[] = {
	0x10, 0x22, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c,
	0x03, 0x21, 0xff, 0xff,
	0x00, 0x12, 'f', 'l', 'o', 'o', 'r', '-', '0', '0', '0', '0', '0', '0',
	'0', '0', '0', '0', '0', '0',
	0x32, 0x13, 0x00, 0x09, 'b', 'e', 'n', 'c', 'h', '/', 'o', 'n', 'e',
	0x00, 0x01, 0x00, 'h', 'e', 'l', 'l', 'o',
};
static const unsigned char bye[] = { 0xe0, 0x00 };	/* section 3.14 */

static int port_of(const char *s)
{
	int p = 0;

	for (; *s >= '0' && *s <= '9' && p < 65536; s++)
		p = p * 10 + (*s - '0');
	return *s || p < 1 || p > 65535 ? -1 : p;
}

/* Reads until a CONNACK and a PUBACK have come; 0 when neither is an
 * error (section 3.2.2.2 Connect Reason Code 0; 3.4.2.1 PUBACK Reason
 * Code below 0x80, e.g. 0x10 No matching subscribers; a PUBACK of
 * remaining length 2 means success). */
static int await_acks(int fd)
{
	unsigned char buf[512];
	size_t have = 0, at = 0;
	int connack = 0, puback = 0;

	while (!(connack && puback)) {
		if (have - at < 2 || have - at < 2u + buf[at + 1]) {
			ssize_t n;

			if (at == have)
				at = have = 0;
			if (have == sizeof buf)
				return -1;
			n = read(fd, buf + have, sizeof buf - have);
			if (n <= 0)
				return -1;
			have += (size_t)n;
			continue;
		}
		if (buf[at + 1] & 0x80)
			return -1;	/* no ack here is 128 bytes or more */
		if (buf[at] == 0x20 && buf[at + 1] >= 2 && buf[at + 3] == 0)
			connack = 1;
		else if (buf[at] == 0x40 && (buf[at + 1] == 2 || buf[at + 4] < 0x80))
			puback = 1;
		else
			return -1;
		at += 2u + buf[at + 1];
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, one = 1, port = argc == 2 ? port_of(argv[1]) : -1;

	if (port < 0)
		return 2;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (write(fd, hello, sizeof hello) != (ssize_t)sizeof hello || await_acks(fd) != 0)
		return 1;
	if (write(fd, bye, sizeof bye) != (ssize_t)sizeof bye)
		return 1;
	return close(fd) != 0;
}
