// SPDX-License-Identifier: GPL-2.0-only
/*
 * An i8042 keyboard controller with nothing plugged in: data port 0x60,
 * status/command port 0x64.  It answers the controller commands Linux's
 * probe sends (self tests, the command byte, the output port) by polling,
 * never interrupts, and forwards nothing to the absent keyboard and mouse,
 * which Linux then finds missing.  Its one job: pulsing the CPU reset line
 * (command 0xfe, or output port bit 0 cleared) is how Linux reboots, and
 * mvm ends the run with "guest rebooted".
 */
#include <stdlib.h>

#include "devices.h"
#include "state.h"

#define I8042_DATA	0x60
#define I8042_CMD	0x64

#define STR_OBF		0x01	/* output buffer full */
#define STR_SYSFLAG	0x04	/* self test passed */
#define STR_CMDDAT	0x08	/* last write was a command */
#define STR_KEYLOCK	0x10	/* keyboard not inhibited */

#define CMD_READ_CTR	0x20
#define CMD_WRITE_CTR	0x60
#define CMD_AUX_DISABLE	0xa7
#define CMD_AUX_ENABLE	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_DISABLE	0xad
#define CMD_KBD_ENABLE	0xae
#define CMD_READ_OUTP	0xd0
#define CMD_WRITE_OUTP	0xd1
#define CMD_WRITE_KBD_OBUF 0xd2
#define CMD_WRITE_AUX_OBUF 0xd3
#define CMD_WRITE_AUX	0xd4
#define CMD_PULSE_RESET	0xfe

#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20
#define OUTP_RESET_OFF	0x01	/* 0: the CPU is held in reset */
#define OUTP_A20	0x02

struct i8042 {
	struct mvm_machine *m;
	uint8_t status;
	uint8_t out;		/* the output buffer, valid with STR_OBF */
	uint8_t ctr;		/* the command byte */
	uint8_t outp;		/* the output port */
	uint8_t pending;	/* a command waiting for its data byte */
};

static void reply(struct i8042 *k, uint8_t v)
{
	k->out = v;
	k->status |= STR_OBF;
}

static void reset(struct i8042 *k)
{
	mvm_machine_stop(k->m, 0, "guest rebooted");
}

static void command(struct i8042 *k, uint8_t cmd)
{
	k->status |= STR_CMDDAT;
	switch (cmd) {
	case CMD_READ_CTR:
		reply(k, k->ctr);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTP:
	case CMD_WRITE_KBD_OBUF:
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
		k->pending = cmd;
		break;
	case CMD_AUX_DISABLE:
		k->ctr |= CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		k->ctr &= ~CTR_AUXDIS;
		break;
	case CMD_KBD_DISABLE:
		k->ctr |= CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		k->ctr &= ~CTR_KBDDIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		reply(k, 0x00);		/* the port's lines are fine */
		break;
	case CMD_SELF_TEST:
		reply(k, 0x55);
		k->status |= STR_SYSFLAG;
		break;
	case CMD_READ_OUTP:
		reply(k, k->outp);
		break;
	case CMD_PULSE_RESET:
		reset(k);
		break;
	default:
		/* 0xf0-0xff pulse output lines: bit 0 is the reset. */
		if (cmd >= 0xf0 && !(cmd & 1))
			reset(k);
		break;
	}
}

static void data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->status &= ~STR_CMDDAT;
	k->pending = 0;
	switch (cmd) {
	case CMD_WRITE_CTR:
		k->ctr = v;
		break;
	case CMD_WRITE_OUTP:
		k->outp = v;
		if (!(v & OUTP_RESET_OFF))
			reset(k);
		break;
	case CMD_WRITE_KBD_OBUF:
		reply(k, v);
		break;
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
	default:
		/*
		 * To the mouse or the keyboard, neither of which is there:
		 * no answer, and the guest's driver times out.
		 */
		break;
	}
}

static uint64_t i8042_read(void *opaque, uint64_t off, unsigned int size)
{
	struct i8042 *k = opaque;

	(void)size;
	if (off == I8042_CMD - I8042_DATA)
		return k->status;
	if (off == 0) {
		k->status &= ~STR_OBF;
		return k->out;
	}
	return 0xff;
}

static void i8042_write(void *opaque, uint64_t off, unsigned int size,
			uint64_t val)
{
	struct i8042 *k = opaque;

	(void)size;
	if (off == I8042_CMD - I8042_DATA)
		command(k, (uint8_t)val);
	else if (off == 0)
		data(k, (uint8_t)val);
}

static const struct mvm_io_ops i8042_io = {
	.read = i8042_read,
	.write = i8042_write,
};

static void i8042_destroy(void *opaque)
{
	free(opaque);
}

static int i8042_save(void *opaque, struct mvm_state *s)
{
	const struct i8042 *k = opaque;

	mvm_state_put_u8(s, k->status);
	mvm_state_put_u8(s, k->out);
	mvm_state_put_u8(s, k->ctr);
	mvm_state_put_u8(s, k->outp);
	mvm_state_put_u8(s, k->pending);
	return 0;
}

/* Any byte is a value the guest could have put there. */
static int i8042_load(void *opaque, struct mvm_state *s)
{
	struct i8042 *k = opaque;

	mvm_state_get_u8(s, &k->status);
	mvm_state_get_u8(s, &k->out);
	mvm_state_get_u8(s, &k->ctr);
	mvm_state_get_u8(s, &k->outp);
	mvm_state_get_u8(s, &k->pending);
	return s->err ? -1 : 0;
}

static const struct mvm_vdev_ops i8042_vdev = {
	.name = "i8042",
	.save = i8042_save,
	.load = i8042_load,
	.destroy = i8042_destroy,
};

/*
 * Ports 0x60-0x64 are one range: 0x61 (the PC speaker / NMI status) and
 * 0x62-0x63 read as all ones, as an empty bus would.
 */
int i8042_create(struct mvm_machine *m)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return -1;
	k->m = m;
	k->status = STR_SYSFLAG | STR_KEYLOCK;
	k->ctr = CTR_KBDDIS | CTR_AUXDIS;
	k->outp = OUTP_RESET_OFF | OUTP_A20;
	if (mvm_bus_register(&m->pio, I8042_DATA, 5, &i8042_io, k) < 0) {
		free(k);
		return -1;
	}
	if (mvm_machine_add_vdev(m, &i8042_vdev, k) < 0) {
		mvm_bus_unregister(&m->pio, I8042_DATA);
		free(k);
		return -1;
	}
	return 0;
}
