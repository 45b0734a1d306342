// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PC's CMOS clock and NVRAM (an MC146818): index port 0x70 (bit 7
 * masks NMIs), data port 0x71.  The clock is the host's UTC time plus an
 * offset the guest sets by writing the time registers; register B picks
 * BCD or binary and 12- or 24-hour.  Updates are instant (UIP never
 * reads as set) and no interrupts are generated: Linux only reads the
 * time at boot and writes it on request.  The other bytes are plain RAM.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices.h"
#include "state.h"

#define RTC_PORT	0x70

#define RTC_SEC		0x00
#define RTC_SEC_ALARM	0x01
#define RTC_MIN		0x02
#define RTC_MIN_ALARM	0x03
#define RTC_HOUR	0x04
#define RTC_HOUR_ALARM	0x05
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32	/* where PC BIOSes keep it */

#define REG_A_UIP	0x80
#define REG_B_SET	0x80
#define REG_B_DM_BINARY	0x04
#define REG_B_24H	0x02
#define REG_D_VRT	0x80	/* the battery is fine */
#define HOUR_PM		0x80

struct rtc {
	uint8_t index;
	uint8_t nmi_masked;
	uint8_t ram[128];
	time_t offset;		/* guest time - host time, seconds */
	struct tm set;		/* what the guest writes while SET */
};

static uint8_t to_reg(const struct rtc *r, unsigned int v)
{
	if (r->ram[RTC_REG_B] & REG_B_DM_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned int from_reg(const struct rtc *r, uint8_t v)
{
	if (r->ram[RTC_REG_B] & REG_B_DM_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0xf);
}

static void now(const struct rtc *r, struct tm *tm)
{
	time_t t = time(NULL) + r->offset;

	gmtime_r(&t, tm);
}

static uint8_t hour_reg(const struct rtc *r, int hour)
{
	int pm;

	if (r->ram[RTC_REG_B] & REG_B_24H)
		return to_reg(r, (unsigned int)hour);
	pm = hour >= 12;
	hour %= 12;
	return (uint8_t)(to_reg(r, hour ? (unsigned int)hour : 12) |
			 (pm ? HOUR_PM : 0));
}

static int hour_from_reg(const struct rtc *r, uint8_t v)
{
	int h;

	if (r->ram[RTC_REG_B] & REG_B_24H)
		return (int)from_reg(r, v);
	h = (int)from_reg(r, v & ~HOUR_PM) % 12;
	return (v & HOUR_PM) ? h + 12 : h;
}

static uint8_t time_reg(struct rtc *r, unsigned int reg)
{
	struct tm tm;

	/* While SET, the guest reads back what it is writing. */
	if (r->ram[RTC_REG_B] & REG_B_SET)
		tm = r->set;
	else
		now(r, &tm);
	switch (reg) {
	case RTC_SEC:
		return to_reg(r, (unsigned int)tm.tm_sec);
	case RTC_MIN:
		return to_reg(r, (unsigned int)tm.tm_min);
	case RTC_HOUR:
		return hour_reg(r, tm.tm_hour);
	case RTC_WDAY:
		return to_reg(r, (unsigned int)tm.tm_wday + 1);
	case RTC_MDAY:
		return to_reg(r, (unsigned int)tm.tm_mday);
	case RTC_MONTH:
		return to_reg(r, (unsigned int)tm.tm_mon + 1);
	case RTC_YEAR:
		return to_reg(r, (unsigned int)tm.tm_year % 100);
	case RTC_CENTURY:
		return to_reg(r, (unsigned int)(tm.tm_year + 1900) / 100);
	}
	return 0;
}

static int is_time_reg(unsigned int reg)
{
	return reg == RTC_SEC || reg == RTC_MIN || reg == RTC_HOUR ||
	       (reg >= RTC_WDAY && reg <= RTC_YEAR) || reg == RTC_CENTURY;
}

static void set_time_reg(struct rtc *r, unsigned int reg, uint8_t v)
{
	struct tm *tm = &r->set;
	int century;

	switch (reg) {
	case RTC_SEC:
		tm->tm_sec = (int)from_reg(r, v);
		break;
	case RTC_MIN:
		tm->tm_min = (int)from_reg(r, v);
		break;
	case RTC_HOUR:
		tm->tm_hour = hour_from_reg(r, v);
		break;
	case RTC_WDAY:
		break;		/* derived from the date */
	case RTC_MDAY:
		tm->tm_mday = (int)from_reg(r, v);
		break;
	case RTC_MONTH:
		tm->tm_mon = (int)from_reg(r, v) - 1;
		break;
	case RTC_YEAR:
		century = (tm->tm_year + 1900) / 100;
		tm->tm_year = century * 100 + (int)from_reg(r, v) - 1900;
		break;
	case RTC_CENTURY:
		tm->tm_year = (int)from_reg(r, v) * 100 +
			      (tm->tm_year + 1900) % 100 - 1900;
		break;
	}
}

static uint64_t rtc_read(void *opaque, uint64_t off, unsigned int size)
{
	struct rtc *r = opaque;
	unsigned int reg = r->index;
	uint8_t v;

	(void)size;
	if (off == 0)
		return r->index | r->nmi_masked;
	if (is_time_reg(reg))
		return time_reg(r, reg);
	switch (reg) {
	case RTC_REG_A:
		return r->ram[reg] & ~REG_A_UIP;
	case RTC_REG_C:
		v = r->ram[reg];
		r->ram[reg] = 0;	/* flags clear on read */
		return v;
	case RTC_REG_D:
		return REG_D_VRT;
	}
	return r->ram[reg];
}

static void rtc_write(void *opaque, uint64_t off, unsigned int size,
		      uint64_t val)
{
	struct rtc *r = opaque;
	unsigned int reg = r->index;
	uint8_t v = (uint8_t)val;

	(void)size;
	if (off == 0) {
		r->index = v & 0x7f;
		r->nmi_masked = v & 0x80;
		return;
	}
	if (is_time_reg(reg)) {
		if (!(r->ram[RTC_REG_B] & REG_B_SET))
			now(r, &r->set);	/* a write outside SET: from now */
		set_time_reg(r, reg, v);
		if (!(r->ram[RTC_REG_B] & REG_B_SET))
			r->offset = timegm(&r->set) - time(NULL);
		return;
	}
	switch (reg) {
	case RTC_REG_B:
		if ((v & REG_B_SET) && !(r->ram[reg] & REG_B_SET))
			now(r, &r->set);	/* freeze: the guest sets it */
		else if (!(v & REG_B_SET) && (r->ram[reg] & REG_B_SET))
			r->offset = timegm(&r->set) - time(NULL);
		r->ram[reg] = v;
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;		/* read-only */
	}
	r->ram[reg] = v;
}

static const struct mvm_io_ops rtc_io = {
	.read = rtc_read,
	.write = rtc_write,
};

/* ---- Registry ---- */

/*
 * The fields of the time being set: the guest may write any byte, in
 * binary mode too (a century of 255 is a tm_year of 255 * 100 + 255 - 1900).
 */
#define SET_FIELDS	6
#define SET_MIN		(-2000)
#define SET_MAX		24000
/* Beyond this the guest's clock would overflow time_t arithmetic. */
#define OFFSET_MAX	(1LL << 40)

static int *set_field(struct rtc *r, unsigned int i)
{
	int *const f[SET_FIELDS] = {
		&r->set.tm_sec, &r->set.tm_min, &r->set.tm_hour,
		&r->set.tm_mday, &r->set.tm_mon, &r->set.tm_year,
	};

	return f[i];
}

/*
 * The offset from the host's clock travels, not the time: a restored
 * or migrated guest's RTC goes on with the host's wall clock.
 */
static int rtc_save(void *opaque, struct mvm_state *s)
{
	struct rtc *r = opaque;
	unsigned int i;

	mvm_state_put_u8(s, r->index);
	mvm_state_put_u8(s, r->nmi_masked);
	mvm_state_put_bytes(s, r->ram, sizeof(r->ram));
	mvm_state_put_u64(s, (uint64_t)(int64_t)r->offset);
	for (i = 0; i < SET_FIELDS; i++)
		mvm_state_put_u32(s, (uint32_t)*set_field(r, i));
	return 0;
}

static int rtc_load(void *opaque, struct mvm_state *s)
{
	struct rtc *r = opaque;
	uint64_t offset;
	unsigned int i;
	uint32_t v;

	mvm_state_get_u8(s, &r->index);
	mvm_state_get_u8(s, &r->nmi_masked);
	mvm_state_get_bytes(s, r->ram, sizeof(r->ram));
	mvm_state_get_u64(s, &offset);
	if (s->err || r->index > 0x7f || (r->nmi_masked & 0x7f) ||
	    (int64_t)offset > OFFSET_MAX || (int64_t)offset < -OFFSET_MAX)
		return -1;
	r->offset = (time_t)(int64_t)offset;
	memset(&r->set, 0, sizeof(r->set));
	for (i = 0; i < SET_FIELDS; i++) {
		if (mvm_state_get_u32(s, &v) < 0 || (int32_t)v < SET_MIN ||
		    (int32_t)v > SET_MAX)
			return -1;
		*set_field(r, i) = (int32_t)v;
	}
	return 0;
}

static void rtc_destroy(void *opaque)
{
	free(opaque);
}

static const struct mvm_vdev_ops rtc_vdev = {
	.name = "rtc",
	.save = rtc_save,
	.load = rtc_load,
	.destroy = rtc_destroy,
};

int rtc_create(struct mvm_machine *m)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	r->ram[RTC_REG_A] = 0x26;	/* 32.768 kHz base, 1024 Hz rate */
	r->ram[RTC_REG_B] = REG_B_24H;	/* BCD, 24-hour: the PC default */
	if (mvm_bus_register(&m->pio, RTC_PORT, 2, &rtc_io, r) < 0) {
		free(r);
		return -1;
	}
	if (mvm_machine_add_vdev(m, &rtc_vdev, r) < 0) {
		mvm_bus_unregister(&m->pio, RTC_PORT);
		free(r);
		return -1;
	}
	return 0;
}
