/* Pointers hidden by XOR and split in two (low 16 bits, the rest): a
 * conservative scan cannot see them, so both blocks are lost. (A 32/32
 * split would not hide anything under valgrind, whose heap lies below
 * 4 GiB: the low half is the whole pointer there.)
 * memcheck: definitely lost 72 bytes in 2 blocks (40 + 32). */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

static uintptr_t xored;
/* in two separate words: side by side they would spell the pointer */
static uint64_t low_half;
static uint64_t pad_between[3];
static uint64_t high_half;

__attribute__((noinline)) static void hide_xor(void)
{
	char *p = calloc(1, 40);
	xored = (uintptr_t)p ^ 0x5555555555555555ull;
}

__attribute__((noinline)) static void hide_split(void)
{
	char *p = calloc(1, 32);
	low_half = (uintptr_t)p & 0xffff;
	high_half = (uintptr_t)p >> 16;
	pad_between[0] = 0;
}

int main(void)
{
	hide_xor();
	hide_split();
	scrub();
	return 0;
}
