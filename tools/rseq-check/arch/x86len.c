/* SPDX-License-Identifier: MIT */
/*
 * arch/x86len.c - length of one x86-64 instruction (64-bit mode), enough to find
 * every instruction boundary of a critical section. Legacy prefixes, REX,
 * the one-, two- and three-byte opcode maps, VEX (C4/C5) and EVEX (62).
 * Returns the length, or -1 for an encoding it does not know (the caller
 * then stops at the boundaries found so far).
 */
#include "../arch.h"

#include <stdint.h>

/* One-byte map: bit 0 has ModRM; the immediate size in bits 1..3:
 * 1 = imm8, 2 = imm16/32 (operand size), 3 = imm16, 4 = imm16+imm8,
 * 5 = imm8/16/32/64 moffs (address size), 6 = imm16/32/64 (mov r, imm),
 * 7 = invalid in 64-bit mode. */
#define M 1
#define I8 (1 << 1)
#define IZ (2 << 1)
#define I16 (3 << 1)
#define I16_8 (4 << 1)
#define MOFFS (5 << 1)
#define IV (6 << 1)
#define BAD (7 << 1)

static const uint8_t one[256] = {
	/* 00 */ M, M, M, M, I8, IZ, BAD, BAD, M, M, M, M, I8, IZ, BAD, 0,
	/* 10 */ M, M, M, M, I8, IZ, BAD, BAD, M, M, M, M, I8, IZ, BAD, BAD,
	/* 20 */ M, M, M, M, I8, IZ, 0, BAD, M, M, M, M, I8, IZ, 0, BAD,
	/* 30 */ M, M, M, M, I8, IZ, 0, BAD, M, M, M, M, I8, IZ, 0, BAD,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ BAD, BAD, BAD, M, 0, 0, 0, 0, IZ, M | IZ, I8, M | I8, 0, 0, 0, 0,
	/* 70 */ I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8,
	/* 80 */ M | I8, M | IZ, BAD, M | I8, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, BAD, 0, 0, 0, 0, 0,
	/* a0 */ MOFFS, MOFFS, MOFFS, MOFFS, 0, 0, 0, 0, I8, IZ, 0, 0, 0, 0, 0, 0,
	/* b0 */ I8, I8, I8, I8, I8, I8, I8, I8, IV, IV, IV, IV, IV, IV, IV, IV,
	/* c0 */ M | I8, M | I8, I16, 0, BAD, BAD, M | I8, M | IZ, I16_8, 0, I16, 0, 0, I8, BAD, 0,
	/* d0 */ M, M, M, M, BAD, BAD, BAD, 0, M, M, M, M, M, M, M, M,
	/* e0 */ I8, I8, I8, I8, I8, I8, I8, I8, IZ, IZ, BAD, I8, 0, 0, 0, 0,
	/* f0 */ 0, 0, 0, 0, 0, 0, M, M, 0, 0, 0, 0, 0, 0, M, M,
};

/* Two-byte map (0F xx): bit 0 ModRM, bit 1 imm8, bit 2 imm32 (jcc rel32),
 * bit 3 invalid. */
static uint8_t two_info(uint8_t op)
{
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b:
	case 0x0e: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34:
	case 0x35: case 0x37: case 0x77: case 0xa0: case 0xa1: case 0xa2:
	case 0xa8: case 0xa9: case 0xaa:
		return 0;
	case 0x04: case 0x0a: case 0x0c: case 0x36: case 0x39: case 0x3b:
	case 0x3c: case 0x3d: case 0x3e: case 0x3f: case 0x7a: case 0x7b:
		return 8;
	case 0x0f: case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4:
	case 0xac: case 0xba: case 0xc2: case 0xc4: case 0xc5: case 0xc6:
		return 1 | 2;
	}
	if (op >= 0x80 && op <= 0x8f)
		return 4;
	if (op >= 0xc8 && op <= 0xcf)
		return 0;
	return 1;
}

/* Length of ModRM + SIB + displacement at p (n bytes left), or -1. */
static int modrm_len(const uint8_t *p, size_t n)
{
	if (n < 1)
		return -1;
	uint8_t m = p[0], mod = m >> 6, rm = m & 7;
	int len = 1;
	if (mod == 3)
		return 1;
	if (rm == 4) {
		if (n < 2)
			return -1;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	}
	if (mod == 0 && rm == 5)
		len += 4;
	else if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

int x86_insn_len(const uint8_t *p, size_t n)
{
	size_t i = 0;
	int opsize16 = 0, addr32 = 0, rexw = 0;

	if (n > 15)
		n = 15;
	/* legacy prefixes */
	for (; i < n; i++) {
		uint8_t b = p[i];
		if (b == 0x66)
			opsize16 = 1;
		else if (b == 0x67)
			addr32 = 1;
		else if (b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e ||
			 b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 ||
			 b == 0x65)
			;
		else
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40) {
		rexw = (p[i] >> 3) & 1;
		i++;
	}
	if (i >= n)
		return -1;
	uint8_t op = p[i++];
	int has_modrm, imm = 0, ml;

	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		/* VEX / EVEX: the map selects the opcode table */
		unsigned map;
		if (op == 0xc5) {
			if (i + 1 > n)
				return -1;
			map = 1;
			i += 1;
		} else if (op == 0xc4) {
			if (i + 2 > n)
				return -1;
			map = p[i] & 0x1f;
			i += 2;
		} else {
			if (i + 3 > n)
				return -1;
			map = p[i] & 7;
			i += 3;
		}
		if (i >= n)
			return -1;
		uint8_t vop = p[i++];
		if (map == 1 && vop == 0x77)	/* vzeroupper/vzeroall */
			return (int)i;
		if (map == 3)
			imm = 1;
		else if (map == 1 && (two_info(vop) & 2))
			imm = 1;
		else if (map != 1 && map != 2 && map != 5 && map != 6)
			return -1;
		ml = modrm_len(p + i, n - i);
		if (ml < 0)
			return -1;
		i += (size_t)ml + (size_t)imm;
		return i <= n ? (int)i : -1;
	}
	if (op == 0x0f) {
		if (i >= n)
			return -1;
		uint8_t op2 = p[i++];
		if (op2 == 0x38 || op2 == 0x3a) {
			if (i >= n)
				return -1;
			i++;
			has_modrm = 1;
			imm = op2 == 0x3a;
		} else {
			uint8_t t = two_info(op2);
			if (t & 8)
				return -1;
			has_modrm = t & 1;
			imm = (t & 2) ? 1 : (t & 4) ? 4 : 0;
		}
	} else {
		uint8_t t = one[op];
		has_modrm = t & M;
		switch (t & ~M) {
		case 0: break;
		case I8: imm = 1; break;
		case IZ: imm = opsize16 ? 2 : 4; break;
		case I16: imm = 2; break;
		case I16_8: imm = 3; break;
		case MOFFS: imm = addr32 ? 4 : 8; break;
		case IV: imm = rexw ? 8 : opsize16 ? 2 : 4; break;
		default: return -1;
		}
		/* group 3: test r/m, imm */
		if ((op == 0xf6 || op == 0xf7) && i < n && ((p[i] >> 3) & 7) < 2)
			imm = op == 0xf6 ? 1 : (opsize16 ? 2 : 4);
		/* jcc/jmp/call rel with 66 keep 32-bit displacements in
		 * 64-bit mode */
		if (op == 0xe8 || op == 0xe9)
			imm = 4;
	}
	if (has_modrm) {
		ml = modrm_len(p + i, n - i);
		if (ml < 0)
			return -1;
		i += (size_t)ml;
	}
	i += (size_t)imm;
	return i <= n ? (int)i : -1;
}
