#include "core/crypt.h"

#include <stdint.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

bool
crypt_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[CRYPT_SHA256_LEN])
{
	unsigned int len = 0;

	if (keylen > INT32_MAX)
		return false;
	return HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out,
	    &len) != NULL && len == CRYPT_SHA256_LEN;
}

bool
crypt_sha256(const void *msg, size_t len, unsigned char out[CRYPT_SHA256_LEN])
{
	unsigned int n = 0;

	return EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == CRYPT_SHA256_LEN;
}

bool
crypt_random(void *p, size_t n)
{
	return n <= INT32_MAX && RAND_bytes(p, (int)n) == 1;
}

void
crypt_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}
