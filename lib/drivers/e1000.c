/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * e1000: Intel 8254x (82540/82544/82545/82546) and 82574L gigabit NICs,
 * polled, one rx and one tx queue of legacy descriptors.
 *
 * Datasheets cited below:
 *   "SDM": PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 *          Developer's Manual, 317453006EN, revision 4.0 (March 2009).
 *   "82574 DS": Intel 82574 GbE Controller Family Datasheet, revision 3.4
 *          (June 2014).
 * Where the datasheets leave a value to the driver, the Linux e1000/e1000e
 * drivers are named as the source.
 *
 * The bench is QEMU (hw/net/e1000.c and e1000e_core.c): every register
 * access there is a VM exit, so the fast path touches exactly one register
 * per batch (a tail) and learns everything else from descriptor memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "e1000_regs.h"

#define E1000_DEFAULT_DEPTH 512
/*
 * SDM §13.4.27/§13.4.38: RDLEN and TDLEN count bytes in bits 19:7, so a ring
 * holds up to 1 MiB - 128 of 16-byte descriptors; the head and tail
 * registers are 16 bits wide. Linux and DPDK stop at 4096 by choice; beyond
 * that only QEMU's e1000 and e1000e models (same 20-bit mask) have run here.
 */
#define E1000_MAX_DEPTH 65528
#define E1000_FCS_LEN 4
/* Largest frame the NIC takes in without RCTL.LPE: 1518 + VLAN tag, FCS included. */
#define E1000_MAX_STD_FRAME_FCS 1522
/*
 * Rx slots are handed back once a quarter of the ring (at least
 * E1000_RX_REFILL_MIN) is empty: every tail write is a doorbell, and in a VM
 * an exit that takes the hypervisor's device lock, so fewer and larger
 * refills leave more time for frames. The NIC keeps three quarters of the
 * ring meanwhile. On the QEMU bench, a refill every 32 frames let ixl-dump
 * keep 56-65 % of 250 kpps; a quarter of 4096 kept 86-100 %.
 * E1000_RX_REFILL_MAX caps the batch for big rings, which are there to hold
 * a backlog (ixl-dump's capture buffer): a quarter of 65528 would leave
 * 16k slots idle, while a doorbell per 1024 frames is already rare.
 */
#define E1000_RX_REFILL_MIN 32
#define E1000_RX_REFILL_MAX 1024
/*
 * An idle poll tops the ring up only after this many empty polls in a row.
 * Below its top rate a receiver catches up between frames, and a top-up on
 * the first empty poll rang the doorbell every few frames: QEMU traced
 * 37,913 tail writes for 100,000 frames at 100k frames/s (test
 * rx_doorbells), against 100-102 now. With 256, the gaps that a guest
 * timer tick leaves in the sender's stream were enough: 296.
 */
#define E1000_RX_IDLE_POLLS 4096
#define E1000_LINK_WAIT_MS 2000

/* ---------------------------------------------------------- device table */

enum e1000_flags {
	/* 82574L: PCIe (GIO master disable before reset), MDIO semaphore, new
	 * EERD layout, errata bits from Linux e1000e, 40 KB packet buffer. */
	E1000_F_82574 = 1u << 0,
	/* 82545GM/82546GB ("rev 3"): reset through the CTRL_DUP shadow register
	 * (Linux e1000_reset_hw). */
	E1000_F_RST_DUP = 1u << 1,
	/* 82544: no EERD register (SDM §13.4.4) and the EEPROM must be reloaded
	 * by hand after a reset (CTRL_EXT.EE_RST, Linux e1000_reset_hw). */
	E1000_F_82544 = 1u << 2,
};

static const struct ixl_pci_id e1000_ids[] = {
	{ 0x8086, 0x100e, "82540EM Gigabit Ethernet Controller" },
	{ 0x8086, 0x1015, "82540EM Gigabit Ethernet Controller (LOM)" },
	{ 0x8086, 0x1016, "82540EP Gigabit Ethernet Controller (LOM)" },
	{ 0x8086, 0x1017, "82540EP Gigabit Ethernet Controller" },
	{ 0x8086, 0x101e, "82540EP Gigabit Ethernet Controller (Mobile)" },
	{ 0x8086, 0x100f, "82545EM Gigabit Ethernet Controller (Copper)" },
	{ 0x8086, 0x1026, "82545GM Gigabit Ethernet Controller (Copper)" },
	{ 0x8086, 0x1010, "82546EB Gigabit Ethernet Controller (Copper)" },
	{ 0x8086, 0x101d, "82546EB Gigabit Ethernet Controller (Quad Port Copper)" },
	{ 0x8086, 0x1079, "82546GB Gigabit Ethernet Controller (Copper)" },
	{ 0x8086, 0x1099, "82546GB Gigabit Ethernet Controller (Quad Port Copper)" },
	{ 0x8086, 0x10b5, "82546GB Gigabit Ethernet Controller (Quad Port Copper, KSP3)" },
	{ 0x8086, 0x1008, "82544EI Gigabit Ethernet Controller (Copper)" },
	{ 0x8086, 0x100c, "82544GC Gigabit Ethernet Controller (Copper)" },
	{ 0x8086, 0x100d, "82544GC Gigabit Ethernet Controller (LOM)" },
	{ 0x8086, 0x10d3, "82574L Gigabit Network Connection" },
	{ 0, 0, NULL },
};

/* What differs per device ID; parallel to e1000_ids by device ID. */
struct e1000_model {
	uint16_t device;
	unsigned flags;
	/* Largest frame, FCS excluded: Linux e1000 MAX_JUMBO_FRAME_SIZE
	 * (16128 with FCS) for the 8254x, e1000e DEFAULT_JUMBO (9234 with FCS)
	 * for the 82574 ("9 KB jumbo frame support", 82574 DS features). */
	uint32_t max_frame;
	/* Packet buffer in KB and the receive share after reset (SDM §13.4
	 * PBA: 64 KB, 48 KB rx; Linux e1000e: 40 KB, 32 KB rx on the 82574). */
	uint16_t pba_total_kb;
	uint16_t pba_rx_kb;
};

#define E1000_MAX_FRAME_8254X (16128 - E1000_FCS_LEN)
#define E1000_MAX_FRAME_82574 (9234 - E1000_FCS_LEN)

static const struct e1000_model e1000_models[] = {
	{ 0x100e, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1015, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1016, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1017, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x101e, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x100f, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1026, E1000_F_RST_DUP, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1010, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x101d, 0, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1079, E1000_F_RST_DUP, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1099, E1000_F_RST_DUP, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x10b5, E1000_F_RST_DUP, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x1008, E1000_F_82544, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x100c, E1000_F_82544, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x100d, E1000_F_82544, E1000_MAX_FRAME_8254X, 64, 48 },
	{ 0x10d3, E1000_F_82574, E1000_MAX_FRAME_82574, 40, 32 },
};

/* ---------------------------------------------------------- driver state */

/* Counters that QEMU's models never clear on read (see e1000_stats_init). */
enum e1000_sticky {
	E1000_ST_CRCERRS,
	E1000_ST_ALGNERRC,
	E1000_ST_RXERRC,
	E1000_ST_CEXTERR,
	E1000_ST_MPC,
	E1000_ST_ECOL,
	E1000_ST_LATECOL,
	E1000_ST_COUNT,
};

static const uint32_t e1000_sticky_regs[E1000_ST_COUNT] = {
	[E1000_ST_CRCERRS] = E1000_CRCERRS,
	[E1000_ST_ALGNERRC] = E1000_ALGNERRC,
	[E1000_ST_RXERRC] = E1000_RXERRC,
	[E1000_ST_CEXTERR] = E1000_CEXTERR,
	[E1000_ST_MPC] = E1000_MPC,
	[E1000_ST_ECOL] = E1000_ECOL,
	[E1000_ST_LATECOL] = E1000_LATECOL,
};

struct e1000_priv {
	const struct e1000_model *model;
	uint32_t rx_buf_size; /* what RCTL.BSIZE/BSEX tells the NIC */
	uint32_t rctl;        /* last value written to RCTL */
	bool admin_down;      /* set_link(false) was called */
	bool sticky_stats;    /* see e1000_stats_init */
	uint32_t sticky_last[E1000_ST_COUNT];
	uint64_t rx_sw_dropped; /* frames longer than dev->max_frame_size */

	/* rx: the NIC owns [rx_head, rx_tail); slots [rx_tail, rx_head) are empty. */
	struct ixl_dma rx_ring_dma;
	volatile struct e1000_rx_desc *rx_ring;
	struct ixl_pkt_buf **rx_bufs;
	uint32_t rx_head;
	uint32_t rx_tail;
	uint32_t rx_refill_at; /* empty slots that make a refill worth a tail write */
	bool rx_discard; /* inside a frame that spans descriptors */
	uint32_t rx_idle_polls; /* empty polls in a row, up to E1000_RX_IDLE_POLLS */

	/* tx: descriptors [tx_clean, tx_tail) are in flight. */
	struct ixl_dma tx_ring_dma;
	volatile struct e1000_tx_desc *tx_ring;
	struct ixl_pkt_buf **tx_bufs;
	uint32_t tx_clean;
	uint32_t tx_tail;
	/* FIFO of the descriptors that carry RS: the last one of each batch. */
	uint32_t *tx_rs;
	uint32_t tx_rs_head;
	uint32_t tx_rs_count;
};

static inline struct e1000_priv *e1000_priv(const struct ixl_device *dev)
{
	return dev->priv;
}

static const struct e1000_model *e1000_model_find(uint16_t device)
{
	for (size_t i = 0; i < sizeof(e1000_models) / sizeof(e1000_models[0]); i++)
		if (e1000_models[i].device == device)
			return &e1000_models[i];
	return NULL;
}

static void e1000_flush(const struct ixl_device *dev)
{
	/* A read forces posted writes out to the NIC before we start timing. */
	(void)ixl_reg_read(dev, E1000_STATUS);
}

/* ---------------------------------------------------------------- PHY */

/* 82574 DS (EXTCNF_CTRL), Linux e1000_get_hw_semaphore_82573: firmware and
 * driver share the MDIO bus; software must own it for PHY access and reset. */
static int e1000_mdio_acquire(struct ixl_device *dev)
{
	struct e1000_priv *priv = e1000_priv(dev);

	if (!(priv->model->flags & E1000_F_82574))
		return 0;
	for (int i = 0; i < 10; i++) {
		ixl_reg_set(dev, E1000_EXTCNF_CTRL, E1000_EXTCNF_CTRL_MDIO_SW);
		if (ixl_reg_read(dev, E1000_EXTCNF_CTRL) & E1000_EXTCNF_CTRL_MDIO_SW)
			return 0;
		ixl_sleep_us(2000);
	}
	ixl_reg_clear(dev, E1000_EXTCNF_CTRL, E1000_EXTCNF_CTRL_MDIO_SW);
	ixl_err("%s: the NIC's firmware did not give up the MDIO bus (EXTCNF_CTRL = 0x%08x)",
		dev->address, ixl_reg_read(dev, E1000_EXTCNF_CTRL));
	return -ETIMEDOUT;
}

static void e1000_mdio_release(struct ixl_device *dev)
{
	if (e1000_priv(dev)->model->flags & E1000_F_82574)
		ixl_reg_clear(dev, E1000_EXTCNF_CTRL, E1000_EXTCNF_CTRL_MDIO_SW);
}

/* SDM §13.4 (MDIC): one PHY register access, done when READY is set. */
static int e1000_mdic(struct ixl_device *dev, uint32_t op, uint32_t reg, uint16_t *data)
{
	uint32_t v = op | (reg << E1000_MDIC_REG_SHIFT) |
		     ((uint32_t)E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT) |
		     (op == E1000_MDIC_OP_WRITE ? *data : 0);
	int ret;

	ixl_reg_write(dev, E1000_MDIC, v);
	ret = ixl_reg_wait(dev, E1000_MDIC, E1000_MDIC_READY, E1000_MDIC_READY, 10,
			   "the PHY to answer an MDIC access");
	if (ret < 0)
		return ret;
	v = ixl_reg_read(dev, E1000_MDIC);
	if (v & E1000_MDIC_ERROR) {
		ixl_err("%s: the PHY rejected an access to its register %u (MDIC = 0x%08x)",
			dev->address, reg, v);
		return -EIO;
	}
	if (op == E1000_MDIC_OP_READ)
		*data = (uint16_t)(v & E1000_MDIC_DATA_MASK);
	return 0;
}

/* ------------------------------------------------------- reset and init */

/*
 * SDM §13.4 (PBA): the receive share of the packet buffer, programmed before
 * the reset that makes it take effect. Jumbo frames need room for two frames
 * (plus 16 bytes each) on the transmit side to keep sending back to back
 * (Linux e1000_reset); PCI parts take the split in 8 KB steps.
 */
static uint32_t e1000_pba_rx_kb(const struct ixl_device *dev, const struct e1000_model *m)
{
	uint32_t frame_fcs = dev->max_frame_size + E1000_FCS_LEN;
	uint32_t rx_kb = m->pba_rx_kb, tx_min_kb, rx_min_kb;

	if (frame_fcs <= E1000_MAX_STD_FRAME_FCS)
		return rx_kb;
	tx_min_kb = (2 * (dev->max_frame_size + 16) + 1023) / 1024;
	rx_min_kb = (frame_fcs + 1023) / 1024;
	if (m->pba_total_kb - rx_kb < tx_min_kb) {
		rx_kb = m->pba_total_kb - tx_min_kb;
		if (!(m->flags & E1000_F_82574))
			rx_kb &= ~7u;
	}
	return rx_kb < rx_min_kb ? rx_min_kb : rx_kb;
}

/*
 * SDM §14.7 / 82574 DS §4.6: stop DMA and reset the MAC. Leaves interrupts
 * masked and the receiver and transmitter off.
 */
static int e1000_reset(struct ixl_device *dev)
{
	struct e1000_priv *priv = e1000_priv(dev);
	const struct e1000_model *m = priv->model;
	uint32_t ctrl;
	int ret;

	/* SDM §13.4.21: mask everything; this driver polls. */
	ixl_reg_write(dev, E1000_IMC, E1000_IMC_ALL);
	/* Stop both DMA engines and let in-flight transactions finish before
	 * the reset pulls the MAC out from under them (Linux e1000_reset_hw). */
	ixl_reg_write(dev, E1000_RCTL, 0);
	ixl_reg_write(dev, E1000_TCTL, E1000_TCTL_PSP);
	e1000_flush(dev);
	ixl_sleep_us(10000);

	if (m->flags & E1000_F_82574) {
		/* 82574 DS (CTRL.GIO_MASTER_DISABLE, STATUS.GIO_MASTER_EN): a PCIe
		 * MAC reset with requests outstanding can hang the link. */
		ixl_reg_set(dev, E1000_CTRL, E1000_CTRL_GIO_MASTER_DISABLE);
		if (ixl_reg_wait(dev, E1000_STATUS, E1000_STATUS_GIO_MASTER_EN, 0, 100,
				 "PCIe master requests to drain before reset") < 0)
			ixl_warn("%s: resetting with PCIe requests still pending", dev->address);
	}

	/* SDM §13.4 (PBA): the new split only takes effect with the reset. */
	ixl_reg_write(dev, E1000_PBA, e1000_pba_rx_kb(dev, m));

	ret = e1000_mdio_acquire(dev);
	if (ret < 0)
		return ret;
	/* SDM §13.4.1: CTRL.RST resets everything but PCI configuration and the
	 * PHY; it self-clears. 82545GM/82546GB take it through CTRL_DUP. */
	ctrl = ixl_reg_read(dev, E1000_CTRL);
	ixl_reg_write(dev, (m->flags & E1000_F_RST_DUP) ? E1000_CTRL_DUP : E1000_CTRL,
		      ctrl | E1000_CTRL_RST);
	ixl_sleep_us(1000);
	e1000_mdio_release(dev);
	ret = ixl_reg_wait(dev, E1000_CTRL, E1000_CTRL_RST, 0, 100, "CTRL.RST to self-clear");
	if (ret < 0)
		return ret;

	if (m->flags & E1000_F_82544) {
		/* Linux e1000_reset_hw: the 82544 does not reload its EEPROM by
		 * itself, which RAL0/RAH0 and the PHY setup come from. */
		ixl_reg_set(dev, E1000_CTRL_EXT, E1000_CTRL_EXT_EE_RST);
		e1000_flush(dev);
		ixl_sleep_us(2000);
	} else if (m->flags & E1000_F_82574) {
		/* 82574 DS (EECD.AUTO_RD): the NVM is read back after reset; the
		 * PHY configuration from it follows (Linux waits 25 ms more). */
		ret = ixl_reg_wait(dev, E1000_EECD, E1000_EECD_AUTO_RD, E1000_EECD_AUTO_RD, 10,
				   "the EEPROM auto-read after reset");
		if (ret < 0)
			return ret;
		ixl_sleep_us(25000);
	} else {
		/* Linux e1000_get_auto_rd_done: 82540..82546 need 5 ms. */
		ixl_sleep_us(5000);
	}

	/* SDM §14.3: interrupts are masked again after reset; clear stale causes. */
	ixl_reg_write(dev, E1000_IMC, E1000_IMC_ALL);
	(void)ixl_reg_read(dev, E1000_ICR);
	return 0;
}

/* SDM §13.4.4 (EERD) / 82574 DS (EERD): one 16-bit EEPROM word. */
static int e1000_eeprom_read(struct ixl_device *dev, uint32_t word, uint16_t *out)
{
	bool is_82574 = e1000_priv(dev)->model->flags & E1000_F_82574;
	uint32_t done = is_82574 ? E1000_EERD_DONE_82574 : E1000_EERD_DONE_8254X;
	uint32_t shift = is_82574 ? E1000_EERD_ADDR_SHIFT_82574 : E1000_EERD_ADDR_SHIFT_8254X;
	int ret;

	ixl_reg_write(dev, E1000_EERD, (word << shift) | E1000_EERD_START);
	ret = ixl_reg_wait(dev, E1000_EERD, done, done, 10, "an EEPROM read through EERD");
	if (ret < 0)
		return ret;
	*out = (uint16_t)(ixl_reg_read(dev, E1000_EERD) >> E1000_EERD_DATA_SHIFT);
	return 0;
}

static void e1000_rar0_write(struct ixl_device *dev, const uint8_t mac[6])
{
	uint32_t lo = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
		      (uint32_t)mac[3] << 24;
	uint32_t hi = (uint32_t)mac[4] | (uint32_t)mac[5] << 8;

	/* SDM §13.5.3: write low before high, so AV never covers half an address. */
	ixl_reg_write(dev, E1000_RAL(0), lo);
	ixl_reg_write(dev, E1000_RAH(0), hi | E1000_RAH_AV);
}

/*
 * The station address is EEPROM words 0-2 (SDM §5.6), read through EERD
 * (SDM §13.4.4) and programmed into RAL0/RAH0. A reset loads the same words
 * into RAL0/RAH0 (SDM §13.5.2-13.5.3), but QEMU's e1000 ignores CTRL.RST and
 * keeps whatever set_mac wrote last. The 82544 has no EERD and relies on the
 * reload after reset; so does any NIC whose EERD does not answer.
 */
static int e1000_mac_read(struct ixl_device *dev)
{
	uint32_t lo, hi;

	if (!(e1000_priv(dev)->model->flags & E1000_F_82544)) {
		uint8_t mac[6];
		uint32_t w;

		for (w = 0; w < 3; w++) {
			uint16_t v;

			if (e1000_eeprom_read(dev, w, &v) < 0)
				break;
			mac[2 * w] = (uint8_t)v;
			mac[2 * w + 1] = (uint8_t)(v >> 8);
		}
		if (w == 3 && !(mac[0] & 1)) {
			memcpy(dev->mac, mac, 6);
			e1000_rar0_write(dev, mac);
			return 0;
		}
		ixl_warn("%s: no station address from the EEPROM; using RAL0/RAH0",
			 dev->address);
	}
	lo = ixl_reg_read(dev, E1000_RAL(0));
	hi = ixl_reg_read(dev, E1000_RAH(0));
	if (!(hi & E1000_RAH_AV)) {
		ixl_err("%s: RAH0 holds no valid station address after reset (RAH0 = 0x%08x)",
			dev->address, hi);
		return -EIO;
	}
	for (int i = 0; i < 4; i++)
		dev->mac[i] = (uint8_t)(lo >> (8 * i));
	dev->mac[4] = (uint8_t)hi;
	dev->mac[5] = (uint8_t)(hi >> 8);
	return 0;
}

/*
 * QEMU's e1000 and e1000e models return these counters without clearing them
 * (hw/net/e1000.c and e1000e_core.c read CRCERRS..MPC, ECOL, LATECOL and
 * CEXTERR with a plain register read), unlike SDM §13.7. There we count
 * differences from the last value instead. The emulated NIC shows itself by
 * QEMU's default subsystem vendor (1af4, e1000) or, for the e1000e model
 * whose subsystem is 8086:0000, by the DMI vendor of the machine.
 */
static bool e1000_is_qemu_model(struct ixl_device *dev)
{
	uint16_t subsys[2] = { 0, 0 };
	char vendor[64] = "";
	FILE *f;

	if (ixl_pci_config_read(dev, 0x2c, subsys, sizeof(subsys)) < 0)
		return false;
	if (subsys[0] == 0x1af4)
		return true;
	if (dev->id->device != 0x10d3 || subsys[0] != 0x8086 || subsys[1] != 0)
		return false;
	f = fopen("/sys/class/dmi/id/sys_vendor", "r");
	if (!f)
		return false;
	if (!fgets(vendor, sizeof(vendor), f))
		vendor[0] = '\0';
	fclose(f);
	return strncmp(vendor, "QEMU", 4) == 0;
}

static uint32_t e1000_sticky_read(struct ixl_device *dev, enum e1000_sticky which)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint32_t v = ixl_reg_read(dev, e1000_sticky_regs[which]);
	uint32_t delta;

	if (!priv->sticky_stats)
		return v;
	/* A smaller value means the counter was cleared after all. */
	delta = v >= priv->sticky_last[which] ? v - priv->sticky_last[which] : v;
	priv->sticky_last[which] = v;
	return delta;
}

static void e1000_read_stats(struct ixl_device *dev, struct ixl_device_stats *stats)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint64_t rx_pkts, tx_pkts, rx_octets, tx_octets;
	uint64_t missed, errors, tx_errors;

	/* SDM §13.7: every counter clears on read, so each is read exactly once
	 * per call; the 64-bit octet counters clear when their high half is
	 * read, so the low half goes first (SDM §13.7.31-13.7.32). */
	rx_pkts = ixl_reg_read(dev, E1000_GPRC);
	tx_pkts = ixl_reg_read(dev, E1000_GPTC);
	rx_octets = ixl_reg_read(dev, E1000_GORCL);
	rx_octets |= (uint64_t)ixl_reg_read(dev, E1000_GORCH) << 32;
	tx_octets = ixl_reg_read(dev, E1000_GOTCL);
	tx_octets |= (uint64_t)ixl_reg_read(dev, E1000_GOTCH) << 32;
	/* SDM §13.7.5: MPC counts frames dropped for want of FIFO space, which
	 * is where a full ring ends up. RNBC (§13.7.33) is not added: it counts
	 * "no descriptor" events for frames that may still arrive later from
	 * the FIFO, and QEMU bumps it together with MPC for the same drop. */
	missed = e1000_sticky_read(dev, E1000_ST_MPC);
	/* Linux e1000 rx_errors: CRC, alignment, receive (symbol/sequence/data)
	 * errors, undersize and oversize frames, carrier extension errors. */
	errors = e1000_sticky_read(dev, E1000_ST_CRCERRS);
	errors += e1000_sticky_read(dev, E1000_ST_ALGNERRC);
	errors += e1000_sticky_read(dev, E1000_ST_RXERRC);
	errors += e1000_sticky_read(dev, E1000_ST_CEXTERR);
	errors += ixl_reg_read(dev, E1000_RUC);
	errors += ixl_reg_read(dev, E1000_ROC);
	tx_errors = e1000_sticky_read(dev, E1000_ST_ECOL);
	tx_errors += e1000_sticky_read(dev, E1000_ST_LATECOL);

	if (!stats) {
		priv->rx_sw_dropped = 0;
		return;
	}
	stats->rx_packets += rx_pkts;
	stats->tx_packets += tx_pkts;
	/* The octet counters include the FCS (SDM §13.7.31); report frame
	 * bytes as buf->len counts them. */
	stats->rx_bytes += rx_octets - E1000_FCS_LEN * rx_pkts;
	stats->tx_bytes += tx_octets - E1000_FCS_LEN * tx_pkts;
	stats->rx_missed += missed;
	/* Frames longer than dev->max_frame_size were good to the NIC (and are
	 * in rx_packets) but were dropped here. */
	stats->rx_errors += errors + priv->rx_sw_dropped;
	stats->tx_errors += tx_errors;
	priv->rx_sw_dropped = 0;
}

static void e1000_stats_init(struct ixl_device *dev)
{
	struct e1000_priv *priv = e1000_priv(dev);

	priv->sticky_stats = e1000_is_qemu_model(dev);
	if (priv->sticky_stats)
		ixl_debug("%s: QEMU model: counting differences of the counters it does not "
			  "clear on read", dev->address);
	/* SDM §14.8: counters start at zero after power-up, but not after a
	 * previous user; reading them clears them (and primes the snapshots). */
	e1000_read_stats(dev, NULL);
}

/* SDM §14.3: general configuration for a copper link through the internal PHY. */
static void e1000_general_config(struct ixl_device *dev)
{
	const struct e1000_model *m = e1000_priv(dev)->model;
	uint32_t ctrl;

	/* SDM §8.6.2 / §13.4.1: the PHY negotiates speed and duplex (ASDE) and
	 * the MAC follows it once SLU is set; nothing is forced, no VLAN mode,
	 * no flow control (RFCE/TFCE off, so FCAL/FCAH/FCT/FCTTV are zero). */
	ctrl = ixl_reg_read(dev, E1000_CTRL);
	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_ILOS | E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX |
		  E1000_CTRL_RFCE | E1000_CTRL_TFCE | E1000_CTRL_VME | E1000_CTRL_PHY_RST |
		  E1000_CTRL_GIO_MASTER_DISABLE);
	ctrl |= E1000_CTRL_ASDE | E1000_CTRL_SLU;
	if (m->flags & E1000_F_82574)
		ctrl &= ~E1000_CTRL_82574_B29;
	ixl_reg_write(dev, E1000_CTRL, ctrl);
	ixl_reg_write(dev, E1000_FCAL, 0);
	ixl_reg_write(dev, E1000_FCAH, 0);
	ixl_reg_write(dev, E1000_FCT, 0);
	ixl_reg_write(dev, E1000_FCTTV, 0);

	if (m->flags & E1000_F_82574) {
		uint32_t v;

		/* 82574 DS (CTRL_EXT.DRV_LOAD): tell the firmware a driver runs
		 * the NIC; plus the reserved bits Linux e1000e sets for the
		 * 82574 (e1000_initialize_hw_bits_82571). */
		v = ixl_reg_read(dev, E1000_CTRL_EXT);
		v &= ~E1000_CTRL_EXT_82574_B23;
		v |= E1000_CTRL_EXT_82574_B22 | E1000_CTRL_EXT_DRV_LOAD;
		ixl_reg_write(dev, E1000_CTRL_EXT, v);
		ixl_reg_set(dev, E1000_TXDCTL, E1000_TXDCTL_82574_B22);
		v = ixl_reg_read(dev, E1000_TARC0);
		v &= ~E1000_TARC0_82574_B27_30;
		v |= E1000_TARC0_82574_B26;
		ixl_reg_write(dev, E1000_TARC0, v);
		ixl_reg_set(dev, E1000_GCR, E1000_GCR_82574_B22);
	} else if (!(m->flags & E1000_F_82544)) {
		/* Linux e1000_reset_hw: ASF firmware (82540 and later) must not
		 * answer ARP for us. */
		ixl_reg_clear(dev, E1000_MANC, E1000_MANC_ARP_EN);
	}

	/* SDM §14.4: no multicast hash matches; only RAL0/RAH0 is valid. */
	for (uint32_t i = 0; i < E1000_MTA_COUNT; i++)
		ixl_reg_write(dev, E1000_MTA + 4 * i, 0);
	for (uint32_t i = 1; i < E1000_RA_COUNT; i++) {
		/* SDM §13.5.3: clear high (AV) before low. */
		ixl_reg_write(dev, E1000_RAH(i), 0);
		ixl_reg_write(dev, E1000_RAL(i), 0);
	}
}

/* RCTL.BSIZE/BSEX for the smallest buffer that holds a whole frame + FCS. */
static uint32_t e1000_rx_buf_size(uint32_t frame_fcs, uint32_t *rctl_bits)
{
	static const struct { uint32_t size, bits; } sizes[] = {
		{ 2048, E1000_RCTL_BSIZE_2048 },
		{ 4096, E1000_RCTL_BSIZE_4096 | E1000_RCTL_BSEX },
		{ 8192, E1000_RCTL_BSIZE_8192 | E1000_RCTL_BSEX },
		{ 16384, E1000_RCTL_BSIZE_16384 | E1000_RCTL_BSEX },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (frame_fcs <= sizes[i].size) {
			*rctl_bits = sizes[i].bits;
			return sizes[i].size;
		}
	}
	*rctl_bits = sizes[3].bits;
	return sizes[3].size;
}

static int e1000_ring_alloc(struct ixl_device *dev, uint32_t depth, size_t desc_size,
			    struct ixl_dma *dma, const char *what)
{
	/* SDM §13.4.25/§13.4.27: the ring must be 16-byte aligned and RDLEN a
	 * multiple of 128 bytes; depth is a multiple of 8 and DMA memory is
	 * page-aligned. */
	int ret = ixl_dma_alloc(dev, depth * desc_size, true, dma);

	if (ret < 0)
		ixl_err("%s: cannot allocate the %s descriptor ring (%u descriptors): %s",
			dev->address, what, depth, strerror(-ret));
	return ret;
}

/* Gives the NIC empty buffers for every free slot but one (one tail write). */
static void e1000_rx_refill(struct ixl_device *dev, struct e1000_priv *priv)
{
	uint32_t depth = dev->rx_depth, tail = priv->rx_tail;
	/* RDH == RDT means an empty ring to the NIC, so one slot stays unused. */
	uint32_t owned = (tail + depth - priv->rx_head) % depth;
	uint32_t want = depth - 1 - owned, first = depth - tail, got;

	if (want == 0)
		return;
	/* Buffers go straight into the slot table, in two runs at the wrap. */
	if (first > want)
		first = want;
	got = ixl_pkt_buf_alloc_batch(dev->rx_pool[0], &priv->rx_bufs[tail], first);
	if (got == first && want > first)
		got += ixl_pkt_buf_alloc_batch(dev->rx_pool[0], priv->rx_bufs, want - first);
	if (got == 0)
		return;
	for (uint32_t i = 0; i < got; i++) {
		volatile struct e1000_rx_desc *d = &priv->rx_ring[tail];

		d->addr = priv->rx_bufs[tail]->dma_addr;
		/* Length, status and errors in one store: DD must read 0 until
		 * the NIC fills this slot again, and no stale error may remain. */
		((volatile uint64_t *)d)[1] = 0;
		if (++tail == depth)
			tail = 0;
	}
	priv->rx_tail = tail;
	/* SDM §13.4.29: the tail write hands the slots over; ixl_reg_write's
	 * release fence orders the descriptor stores before it. */
	ixl_reg_write(dev, E1000_RDT, tail);
}

/* SDM §14.4: receive initialisation. */
static int e1000_rx_init(struct ixl_device *dev)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint32_t depth = dev->rx_depth, bsize_bits, entries;
	int ret;

	priv->rx_buf_size = e1000_rx_buf_size(dev->max_frame_size + E1000_FCS_LEN, &bsize_bits);
	entries = dev->cfg.rx_pool_entries;
	dev->rx_pool[0] = ixl_mempool_create(dev, entries, IXL_PKT_BUF_HEADER + priv->rx_buf_size);
	if (!dev->rx_pool[0]) {
		ret = -errno;
		ixl_err("%s: cannot create the rx mempool (%u buffers of %u bytes): %s",
			dev->address, entries, priv->rx_buf_size, strerror(errno));
		return ret;
	}
	if (entries < depth)
		ixl_warn("%s: rx pool of %u buffers cannot fill the %u-descriptor rx ring",
			 dev->address, entries, depth);

	priv->rx_bufs = calloc(depth, sizeof(*priv->rx_bufs));
	if (!priv->rx_bufs) {
		ixl_err("%s: out of memory for the rx ring's buffer table", dev->address);
		return -ENOMEM;
	}
	ret = e1000_ring_alloc(dev, depth, sizeof(struct e1000_rx_desc), &priv->rx_ring_dma, "rx");
	if (ret < 0)
		return ret;
	priv->rx_ring = priv->rx_ring_dma.virt;

	/* SDM §13.4.25-13.4.29: ring base and length; RDH/RDT are written only
	 * while the receiver is off. */
	ixl_reg_write(dev, E1000_RDBAL, (uint32_t)priv->rx_ring_dma.iova);
	ixl_reg_write(dev, E1000_RDBAH, (uint32_t)(priv->rx_ring_dma.iova >> 32));
	ixl_reg_write(dev, E1000_RDLEN, depth * (uint32_t)sizeof(struct e1000_rx_desc));
	ixl_reg_write(dev, E1000_RDH, 0);
	ixl_reg_write(dev, E1000_RDT, 0);
	/* SDM §13.4.30-13.4.31: no write-back delay; we poll descriptors. */
	ixl_reg_write(dev, E1000_RDTR, 0);
	ixl_reg_write(dev, E1000_RADV, 0);
	ixl_reg_write(dev, E1000_ITR, 0);
	/* No receive checksum offload: nothing here reads the descriptor's
	 * checksum bits, and a NIC that verifies checksums for nobody still
	 * does the work. On hardware that is free; QEMU's e1000e, which comes
	 * out of reset with IPOFLD and TUOFLD set, sums every received IPv4
	 * header and UDP/TCP segment in software, in the thread that delivers
	 * the frame. DPDK's em driver clears both bits too. */
	ixl_reg_write(dev, E1000_RXCSUM, 0);
	priv->rx_head = priv->rx_tail = 0;
	priv->rx_idle_polls = 0;
	priv->rx_refill_at = depth / 4;
	if (priv->rx_refill_at > E1000_RX_REFILL_MAX)
		priv->rx_refill_at = E1000_RX_REFILL_MAX;
	if (priv->rx_refill_at < E1000_RX_REFILL_MIN)
		/* Small rings: half the ring at most, or the NIC would run dry first. */
		priv->rx_refill_at = depth / 2 < E1000_RX_REFILL_MIN ? depth / 2 : E1000_RX_REFILL_MIN;
	e1000_rx_refill(dev, priv);

	/* SDM §13.4.22: receiver on, broadcasts accepted, CRC stripped (so the
	 * descriptor length is the frame length; QEMU honours SECRC too), no
	 * loopback, buffers of rx_buf_size, long frames only when asked for. */
	priv->rctl = E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF |
		     bsize_bits;
	if (dev->max_frame_size + E1000_FCS_LEN > E1000_MAX_STD_FRAME_FCS)
		priv->rctl |= E1000_RCTL_LPE;
	dev->promisc = !(dev->cfg.flags & IXL_DEVICE_NO_PROMISC);
	if (dev->promisc)
		priv->rctl |= E1000_RCTL_UPE | E1000_RCTL_MPE;
	/* One RCTL write: QEMU's e1000 holds back received frames for a second
	 * after every RCTL write (its flush_queue_timer). */
	ixl_reg_write(dev, E1000_RCTL, priv->rctl);
	return 0;
}

/* SDM §14.5: transmit initialisation. */
static int e1000_tx_init(struct ixl_device *dev)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint32_t depth = dev->tx_depth;
	int ret;

	priv->tx_bufs = calloc(depth, sizeof(*priv->tx_bufs));
	priv->tx_rs = calloc(depth, sizeof(*priv->tx_rs));
	if (!priv->tx_bufs || !priv->tx_rs) {
		ixl_err("%s: out of memory for the tx ring's buffer table", dev->address);
		return -ENOMEM;
	}
	ret = e1000_ring_alloc(dev, depth, sizeof(struct e1000_tx_desc), &priv->tx_ring_dma, "tx");
	if (ret < 0)
		return ret;
	priv->tx_ring = priv->tx_ring_dma.virt;

	/* SDM §13.4.36-13.4.40: ring base and length, empty ring. */
	ixl_reg_write(dev, E1000_TDBAL, (uint32_t)priv->tx_ring_dma.iova);
	ixl_reg_write(dev, E1000_TDBAH, (uint32_t)(priv->tx_ring_dma.iova >> 32));
	ixl_reg_write(dev, E1000_TDLEN, depth * (uint32_t)sizeof(struct e1000_tx_desc));
	ixl_reg_write(dev, E1000_TDH, 0);
	ixl_reg_write(dev, E1000_TDT, 0);
	ixl_reg_write(dev, E1000_TADV, 0);
	priv->tx_clean = priv->tx_tail = 0;
	priv->tx_rs_head = priv->tx_rs_count = 0;

	/* SDM §13.4.34: IPG for copper; IPGT 8, IPGR1 8, IPGR2 6 as Linux
	 * e1000 programs for copper and as the 82574 resets to. */
	ixl_reg_write(dev, E1000_TIPG, 8u << E1000_TIPG_IPGT_SHIFT | 8u << E1000_TIPG_IPGR1_SHIFT |
					       6u << E1000_TIPG_IPGR2_SHIFT);
	/* SDM §13.4.33: transmitter on, short frames padded by the NIC,
	 * collision threshold 15 and full-duplex collision distance 64 (the
	 * recommended values), re-transmit on late collisions (as Linux). */
	ixl_reg_write(dev, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP |
					       0x0fu << E1000_TCTL_CT_SHIFT |
					       0x40u << E1000_TCTL_COLD_SHIFT | E1000_TCTL_RTLC);
	return 0;
}

static void e1000_free_all(struct ixl_device *dev)
{
	struct e1000_priv *priv = e1000_priv(dev);

	if (!priv)
		return;
	if (priv->rx_bufs) {
		/* Slots [rx_head, rx_tail) still hold buffers the NIC never filled. */
		for (uint32_t i = priv->rx_head; i != priv->rx_tail; i = (i + 1) % dev->rx_depth)
			ixl_pkt_buf_free(priv->rx_bufs[i]);
	}
	if (priv->tx_bufs) {
		for (uint32_t i = priv->tx_clean; i != priv->tx_tail; i = (i + 1) % dev->tx_depth)
			ixl_pkt_buf_free(priv->tx_bufs[i]);
	}
	if (priv->rx_ring)
		ixl_dma_free(dev, &priv->rx_ring_dma);
	if (priv->tx_ring)
		ixl_dma_free(dev, &priv->tx_ring_dma);
	ixl_mempool_destroy(dev->rx_pool[0]);
	dev->rx_pool[0] = NULL;
	free(priv->rx_bufs);
	free(priv->tx_bufs);
	free(priv->tx_rs);
	free(priv);
	dev->priv = NULL;
}

static bool e1000_link_up(struct ixl_device *dev)
{
	/* SDM §13.4.2: STATUS.LU. QEMU does not model a powered-down PHY, so
	 * set_link(false) is also remembered here. */
	return !e1000_priv(dev)->admin_down && (ixl_reg_read(dev, E1000_STATUS) & E1000_STATUS_LU);
}

static uint32_t e1000_link_speed(struct ixl_device *dev)
{
	uint32_t status = ixl_reg_read(dev, E1000_STATUS);

	if (e1000_priv(dev)->admin_down || !(status & E1000_STATUS_LU))
		return 0;
	/* SDM §13.4.2: STATUS.SPEED, 00 = 10, 01 = 100, 1x = 1000 Mb/s. */
	switch ((status & E1000_STATUS_SPEED_MASK) >> E1000_STATUS_SPEED_SHIFT) {
	case 0:
		return 10;
	case 1:
		return 100;
	default:
		return 1000;
	}
}

static int e1000_init(struct ixl_device *dev)
{
	const struct e1000_model *m = e1000_model_find(dev->id->device);
	struct e1000_priv *priv;
	uint64_t deadline;
	int ret;

	if (!m) {
		ixl_err("%s: no e1000 model entry for device 8086:%04x", dev->address,
			dev->id->device);
		return -ENOTSUP;
	}
	if (dev->max_frame_size > m->max_frame) {
		ixl_err("%s: max frame size %u is more than the %s takes (%u bytes)",
			dev->address, dev->max_frame_size, dev->id->name, m->max_frame);
		return -EINVAL;
	}
	priv = calloc(1, sizeof(*priv));
	if (!priv) {
		ixl_err("%s: out of memory for the e1000 driver state", dev->address);
		return -ENOMEM;
	}
	priv->model = m;
	dev->priv = priv;
	dev->hw_max_frame_size = m->max_frame;
	dev->hw_max_frame_size = m->max_frame;

	ret = e1000_reset(dev);
	if (ret < 0)
		goto err;
	e1000_general_config(dev);
	ret = e1000_mac_read(dev);
	if (ret < 0)
		goto err;
	e1000_stats_init(dev);
	ret = e1000_rx_init(dev);
	if (ret < 0)
		goto err;
	ret = e1000_tx_init(dev);
	if (ret < 0)
		goto err;

	/* SDM §8.6.2: autonegotiation takes up to a few seconds on copper; a
	 * NIC without a cable is still usable, so only say so. */
	deadline = ixl_time_ns() + (uint64_t)E1000_LINK_WAIT_MS * 1000000u;
	while (!e1000_link_up(dev) && ixl_time_ns() < deadline)
		ixl_sleep_us(10000);
	if (e1000_link_up(dev))
		ixl_info("%s: link up at %u Mbit/s", dev->address,
			 e1000_link_speed(dev));
	else
		ixl_info("%s: link still down after %u ms; continuing", dev->address,
			 E1000_LINK_WAIT_MS);
	return 0;

err:
	/* Nothing may keep DMAing into memory we are about to free. */
	ixl_reg_write(dev, E1000_RCTL, 0);
	ixl_reg_write(dev, E1000_TCTL, 0);
	e1000_flush(dev);
	e1000_free_all(dev);
	return ret;
}

static void e1000_shutdown(struct ixl_device *dev)
{
	if (!dev->priv)
		return;
	/* Receiver and transmitter off first: QEMU's e1000 ignores CTRL.RST. */
	ixl_reg_write(dev, E1000_RCTL, 0);
	ixl_reg_write(dev, E1000_TCTL, E1000_TCTL_PSP);
	e1000_flush(dev);
	if (e1000_reset(dev) < 0)
		ixl_warn("%s: reset at shutdown failed; receiver and transmitter are off",
			 dev->address);
	if (e1000_priv(dev)->model->flags & E1000_F_82574)
		ixl_reg_clear(dev, E1000_CTRL_EXT, E1000_CTRL_EXT_DRV_LOAD);
	e1000_free_all(dev);
}

/* ------------------------------------------------------------ fast path */

/*
 * SDM §3.2.6: descriptors [rx_head, rx_tail) belong to the NIC until it sets
 * DD; we walk them in order and stop at the first without DD.
 */
static uint32_t e1000_rx_batch(struct ixl_device *dev, uint16_t queue,
			       struct ixl_pkt_buf **bufs, uint32_t n)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint32_t depth = dev->rx_depth, head = priv->rx_head, got = 0, used = 0;

	(void)queue;
	while (got < n && head != priv->rx_tail) {
		volatile struct e1000_rx_desc *d = &priv->rx_ring[head];
		uint8_t status = d->status;
		struct ixl_pkt_buf *buf;

		if (!(status & E1000_RXD_STAT_DD))
			break;
		/* The NIC writes DD last: read the rest only after seeing it. */
		atomic_thread_fence(memory_order_acquire);
		buf = priv->rx_bufs[head];
		if (!(status & E1000_RXD_STAT_EOP) || priv->rx_discard) {
			/* A frame longer than our buffer (possible with LPE):
			 * drop all its pieces, counted at the end piece. */
			priv->rx_discard = !(status & E1000_RXD_STAT_EOP);
			if (!priv->rx_discard)
				priv->rx_sw_dropped++;
			ixl_pkt_buf_free(buf);
		} else if (d->errors & E1000_RXD_ERR_FRAME) {
			/* SDM §3.2.3.2: a bad frame; the NIC's counters have it. */
			ixl_pkt_buf_free(buf);
		} else if (d->length > dev->max_frame_size) {
			/* Fits the buffer (VLAN-tagged, or LPE's slack) but is
			 * longer than rx was set up for. */
			priv->rx_sw_dropped++;
			ixl_pkt_buf_free(buf);
		} else {
			buf->len = d->length;
			bufs[got++] = buf;
		}
		if (++head == depth)
			head = 0;
		used++;
	}
	priv->rx_head = head;
	/* Refill in bulk: one tail write per priv->rx_refill_at frames, or
	 * whenever the NIC is about to run dry. */
	if (used) {
		uint32_t owned = (priv->rx_tail + depth - head) % depth;
		uint32_t missing = depth - 1 - owned;

		if (missing >= priv->rx_refill_at || owned == 0)
			e1000_rx_refill(dev, priv);
		priv->rx_idle_polls = 0;
	} else if (priv->rx_idle_polls < E1000_RX_IDLE_POLLS) {
		priv->rx_idle_polls++;
	} else if (priv->rx_tail != (head + depth - 1) % depth) {
		/* The line went quiet with slots missing (a short last batch,
		 * or an empty pool last time): top the ring up, so the next
		 * burst finds it full and the pool's free count settles where
		 * it started. */
		e1000_rx_refill(dev, priv);
	}
	return got;
}

/*
 * SDM §3.4: the NIC has sent descriptors up to one with DD. RS is only set on
 * the last descriptor of each batch (SDM §3.3.3.1), so one DD check frees a
 * whole batch.
 */
static void e1000_tx_reclaim(struct ixl_device *dev, struct e1000_priv *priv)
{
	uint32_t depth = dev->tx_depth;

	while (priv->tx_rs_count) {
		uint32_t last = priv->tx_rs[priv->tx_rs_head];
		uint32_t first = priv->tx_clean;

		if (!(priv->tx_ring[last].status & E1000_TXD_STAT_DD))
			break;
		if (last >= first) {
			ixl_pkt_buf_free_batch(&priv->tx_bufs[first], last - first + 1);
		} else {
			ixl_pkt_buf_free_batch(&priv->tx_bufs[first], depth - first);
			ixl_pkt_buf_free_batch(&priv->tx_bufs[0], last + 1);
		}
		priv->tx_clean = last + 1 == depth ? 0 : last + 1;
		if (++priv->tx_rs_head == depth)
			priv->tx_rs_head = 0;
		priv->tx_rs_count--;
	}
}

static uint32_t e1000_tx_batch(struct ixl_device *dev, uint16_t queue,
			       struct ixl_pkt_buf **bufs, uint32_t n)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint32_t depth = dev->tx_depth, tail = priv->tx_tail, in_flight, room, last = 0;
	const uint64_t cmd = (uint64_t)(E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS) << 24;

	(void)queue;
	e1000_tx_reclaim(dev, priv);
	in_flight = (tail + depth - priv->tx_clean) % depth;
	/* TDH == TDT means an empty ring, so one descriptor stays unused. */
	room = depth - 1 - in_flight;
	if (n > room)
		n = room;
	if (n == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		volatile uint64_t *d = (volatile uint64_t *)&priv->tx_ring[tail];

		priv->tx_bufs[tail] = bufs[i];
		/* SDM §3.3.3: address, then length | CSO | CMD with the status
		 * (DD) cleared in the same store. */
		d[0] = bufs[i]->dma_addr;
		d[1] = (uint64_t)bufs[i]->len | cmd;
		last = tail;
		if (++tail == depth)
			tail = 0;
	}
	/* Only the batch's last descriptor reports back (RS); DD there means
	 * the whole batch is done. */
	((volatile uint64_t *)&priv->tx_ring[last])[1] =
		(uint64_t)bufs[n - 1]->len | cmd | (uint64_t)E1000_TXD_CMD_RS << 24;
	priv->tx_rs[(priv->tx_rs_head + priv->tx_rs_count) % depth] = last;
	priv->tx_rs_count++;
	priv->tx_tail = tail;
	/* SDM §13.4.40: one tail write hands the batch over (release fence in
	 * ixl_reg_write orders the descriptors before it). */
	ixl_reg_write(dev, E1000_TDT, tail);
	return n;
}

/* ------------------------------------------------------ control path */

static int e1000_set_promisc(struct ixl_device *dev, bool on)
{
	struct e1000_priv *priv = e1000_priv(dev);

	/* SDM §13.4.22: UPE/MPE accept every unicast/multicast frame. */
	if (on)
		priv->rctl |= E1000_RCTL_UPE | E1000_RCTL_MPE;
	else
		priv->rctl &= ~(E1000_RCTL_UPE | E1000_RCTL_MPE);
	ixl_reg_write(dev, E1000_RCTL, priv->rctl);
	dev->promisc = on;
	return 0;
}

/*
 * Link down: the PHY powers down (PHY control register bit 11, SDM §13.4 /
 * PHY register 0) and CTRL.SLU is cleared; link up: power up, restart
 * autonegotiation and set SLU again (SDM §8.6.2).
 */
static int e1000_set_link(struct ixl_device *dev, bool up)
{
	struct e1000_priv *priv = e1000_priv(dev);
	uint16_t bmcr;
	int ret;

	ret = e1000_mdio_acquire(dev);
	if (ret < 0)
		return ret;
	ret = e1000_mdic(dev, E1000_MDIC_OP_READ, E1000_PHY_CTRL, &bmcr);
	if (ret == 0) {
		if (up) {
			bmcr &= (uint16_t)~E1000_PHY_CTRL_POWER_DOWN;
			bmcr |= E1000_PHY_CTRL_AN_ENABLE | E1000_PHY_CTRL_RESTART_AN;
		} else {
			bmcr |= E1000_PHY_CTRL_POWER_DOWN;
		}
		ret = e1000_mdic(dev, E1000_MDIC_OP_WRITE, E1000_PHY_CTRL, &bmcr);
	}
	e1000_mdio_release(dev);
	if (ret < 0) {
		ixl_err("%s: cannot switch the PHY %s", dev->address, up ? "on" : "off");
		return ret;
	}
	if (up)
		ixl_reg_set(dev, E1000_CTRL, E1000_CTRL_SLU);
	else
		ixl_reg_clear(dev, E1000_CTRL, E1000_CTRL_SLU);
	priv->admin_down = !up;
	return 0;
}

static int e1000_set_mac(struct ixl_device *dev, const uint8_t mac[6])
{
	/* SDM §13.5.2-13.5.3: RAL0/RAH0 is the station address filter. */
	e1000_rar0_write(dev, mac);
	return 0;
}

const struct ixl_driver ixl_driver_e1000 = {
	.name = "e1000",
	.ids = e1000_ids,
	.max_frame_size = E1000_MAX_FRAME_8254X,
	.default_rx_depth = E1000_DEFAULT_DEPTH,
	.default_tx_depth = E1000_DEFAULT_DEPTH,
	.max_depth = E1000_MAX_DEPTH,
	.max_queues = 1,
	.init = e1000_init,
	.shutdown = e1000_shutdown,
	.rx_batch = e1000_rx_batch,
	.tx_batch = e1000_tx_batch,
	.read_stats = e1000_read_stats,
	.set_promisc = e1000_set_promisc,
	.link_up = e1000_link_up,
	.link_speed = e1000_link_speed,
	.set_link = e1000_set_link,
	.set_mac = e1000_set_mac,
};
