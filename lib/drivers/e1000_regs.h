/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registers and descriptors of the Intel 8254x family and the 82574L, as far
 * as lib/drivers/e1000.c uses them.
 *
 * "SDM" is the PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (82540EP/EM, 82541xx, 82544GC/EI, 82545GM/EM,
 * 82546GB/EB, 82547xx), 317453006EN, revision 4.0 (March 2009); "82574 DS"
 * is the Intel 82574 GbE Controller Family Datasheet, revision 3.4 (June
 * 2014). Offsets are byte offsets into BAR0.
 */
#ifndef IXL_E1000_REGS_H
#define IXL_E1000_REGS_H

#include <stdint.h>

#define E1000_BIT(n) (1u << (n))

/* ------------------------------------------- general (SDM §13.4.1-13.4.7) */

#define E1000_CTRL      0x00000 /* Device Control, SDM §13.4.1 */
#define E1000_CTRL_DUP  0x00004 /* shadow of CTRL on 82545GM/82546GB */
#define E1000_STATUS    0x00008 /* Device Status, SDM §13.4.2 */
#define E1000_EECD      0x00010 /* EEPROM/Flash Control */
#define E1000_EERD      0x00014 /* EEPROM Read, not on the 82544 */
#define E1000_CTRL_EXT  0x00018 /* Extended Device Control */
#define E1000_MDIC      0x00020 /* MDI Control (PHY access) */
#define E1000_FCAL      0x00028 /* Flow Control Address Low */
#define E1000_FCAH      0x0002c /* Flow Control Address High */
#define E1000_FCT       0x00030 /* Flow Control Type */
#define E1000_FCTTV     0x00170 /* Flow Control Transmit Timer Value */
#define E1000_EXTCNF_CTRL 0x00f00 /* 82574: Extended Configuration Control */
#define E1000_PBA       0x01000 /* Packet Buffer Allocation */
#define E1000_MANC      0x05820 /* Management Control */
#define E1000_GCR       0x05b00 /* 82574: PCIe control */

/* CTRL */
#define E1000_CTRL_FD          E1000_BIT(0)  /* full duplex */
#define E1000_CTRL_GIO_MASTER_DISABLE E1000_BIT(2) /* 82574: stop PCIe mastering */
#define E1000_CTRL_LRST        E1000_BIT(3)  /* link reset (TBI parts) */
#define E1000_CTRL_ASDE        E1000_BIT(5)  /* auto-speed detection */
#define E1000_CTRL_SLU         E1000_BIT(6)  /* set link up */
#define E1000_CTRL_ILOS        E1000_BIT(7)  /* invert loss of signal */
#define E1000_CTRL_FRCSPD      E1000_BIT(11) /* force speed */
#define E1000_CTRL_FRCDPLX     E1000_BIT(12) /* force duplex */
#define E1000_CTRL_RST         E1000_BIT(26) /* device reset, self-clearing */
#define E1000_CTRL_RFCE        E1000_BIT(27) /* receive flow control enable */
#define E1000_CTRL_TFCE        E1000_BIT(28) /* transmit flow control enable */
#define E1000_CTRL_82574_B29   E1000_BIT(29) /* 82574: must be 0 (Linux e1000e) */
#define E1000_CTRL_VME         E1000_BIT(30) /* VLAN mode enable */
#define E1000_CTRL_PHY_RST     E1000_BIT(31) /* PHY reset */

/* STATUS */
#define E1000_STATUS_FD        E1000_BIT(0)
#define E1000_STATUS_LU        E1000_BIT(1)  /* link up */
#define E1000_STATUS_SPEED_SHIFT 6           /* 00: 10, 01: 100, 1x: 1000 Mb/s */
#define E1000_STATUS_SPEED_MASK (3u << E1000_STATUS_SPEED_SHIFT)
#define E1000_STATUS_GIO_MASTER_EN E1000_BIT(19) /* 82574: master requests pending */

/* EECD */
#define E1000_EECD_AUTO_RD     E1000_BIT(9)  /* EEPROM auto-read done */

/* EERD: the 8254x and the 82574 place DONE and ADDR differently. */
#define E1000_EERD_START       E1000_BIT(0)
#define E1000_EERD_DONE_8254X  E1000_BIT(4)
#define E1000_EERD_ADDR_SHIFT_8254X 8
#define E1000_EERD_DONE_82574  E1000_BIT(1)
#define E1000_EERD_ADDR_SHIFT_82574 2
#define E1000_EERD_DATA_SHIFT  16

/* CTRL_EXT */
#define E1000_CTRL_EXT_EE_RST  E1000_BIT(13) /* reload the EEPROM (82544) */
#define E1000_CTRL_EXT_82574_B22 E1000_BIT(22) /* 82574: must be 1 (Linux e1000e) */
#define E1000_CTRL_EXT_82574_B23 E1000_BIT(23) /* 82574: must be 0 (Linux e1000e) */
#define E1000_CTRL_EXT_DRV_LOAD E1000_BIT(28) /* 82574: driver owns the NIC */

/* MDIC */
#define E1000_MDIC_DATA_MASK   0xffffu
#define E1000_MDIC_REG_SHIFT   16
#define E1000_MDIC_PHY_SHIFT   21
#define E1000_MDIC_OP_WRITE    (1u << 26)
#define E1000_MDIC_OP_READ     (2u << 26)
#define E1000_MDIC_READY       E1000_BIT(28)
#define E1000_MDIC_ERROR       E1000_BIT(30)
#define E1000_PHY_ADDR         1 /* the internal PHY answers at MDIO address 1 */

/* PHY registers (IEEE 802.3 clause 22), reached through MDIC */
#define E1000_PHY_CTRL         0
#define E1000_PHY_CTRL_RESTART_AN E1000_BIT(9)
#define E1000_PHY_CTRL_POWER_DOWN E1000_BIT(11)
#define E1000_PHY_CTRL_AN_ENABLE  E1000_BIT(12)

/* EXTCNF_CTRL */
#define E1000_EXTCNF_CTRL_MDIO_SW E1000_BIT(5) /* 82574: software owns MDIO */

/* PBA: receive share in KB in bits 15:0 (the transmit share is the rest). */
#define E1000_PBA_RX_MASK      0xffffu

/* MANC */
#define E1000_MANC_ARP_EN      E1000_BIT(13) /* firmware answers ARP itself */

/* GCR */
#define E1000_GCR_82574_B22    E1000_BIT(22) /* 82574: must be 1 (Linux e1000e) */

/* -------------------------------------- interrupts (SDM §13.4.17-13.4.21) */

#define E1000_ICR       0x000c0 /* Interrupt Cause Read, clear on read */
#define E1000_ITR       0x000c4 /* Interrupt Throttling */
#define E1000_IMS       0x000d0 /* Interrupt Mask Set/Read */
#define E1000_IMC       0x000d8 /* Interrupt Mask Clear */
#define E1000_IMC_ALL   0xffffffffu

/* ------------------------------------------ receive (SDM §13.4.22-13.4.31) */

#define E1000_RCTL      0x00100 /* Receive Control, SDM §13.4.22 */
#define E1000_RDBAL     0x02800 /* SDM §13.4.25 */
#define E1000_RDBAH     0x02804 /* SDM §13.4.26 */
#define E1000_RDLEN     0x02808 /* SDM §13.4.27, multiple of 128 bytes */
#define E1000_RDH       0x02810 /* SDM §13.4.28 */
#define E1000_RDT       0x02818 /* SDM §13.4.29 */
#define E1000_RDTR      0x02820 /* Receive Delay Timer, SDM §13.4.30 */
#define E1000_RADV      0x0282c /* Receive Absolute Delay, SDM §13.4.31 */
/* Receive Checksum Control (SDM register RXCSUM, 05000h): bit 8 IPOFLD, bit 9
 * TUOFLD; the SDM gives 0 for both at reset, QEMU's e1000e sets both. */
#define E1000_RXCSUM    0x05000

#define E1000_RCTL_EN          E1000_BIT(1)  /* receiver enable */
#define E1000_RCTL_SBP         E1000_BIT(2)  /* store bad packets */
#define E1000_RCTL_UPE         E1000_BIT(3)  /* unicast promiscuous */
#define E1000_RCTL_MPE         E1000_BIT(4)  /* multicast promiscuous */
#define E1000_RCTL_LPE         E1000_BIT(5)  /* long packets (> 1522 bytes) */
#define E1000_RCTL_LBM_MASK    (3u << 6)     /* loopback mode, 00 = none */
#define E1000_RCTL_RDMTS_HALF  (0u << 8)     /* min threshold: 1/2 of RDLEN */
#define E1000_RCTL_MO_MASK     (3u << 12)    /* multicast offset */
#define E1000_RCTL_BAM         E1000_BIT(15) /* accept broadcast */
#define E1000_RCTL_BSIZE_SHIFT 16            /* with BSEX: 01 16K, 10 8K, 11 4K */
#define E1000_RCTL_BSIZE_2048  (0u << E1000_RCTL_BSIZE_SHIFT) /* BSEX = 0 */
#define E1000_RCTL_BSIZE_16384 (1u << E1000_RCTL_BSIZE_SHIFT) /* BSEX = 1 */
#define E1000_RCTL_BSIZE_8192  (2u << E1000_RCTL_BSIZE_SHIFT) /* BSEX = 1 */
#define E1000_RCTL_BSIZE_4096  (3u << E1000_RCTL_BSIZE_SHIFT) /* BSEX = 1 */
#define E1000_RCTL_VFE         E1000_BIT(18) /* VLAN filter enable */
#define E1000_RCTL_BSEX        E1000_BIT(25) /* buffer size extension (x16) */
#define E1000_RCTL_SECRC       E1000_BIT(26) /* strip the Ethernet CRC */

/* ----------------------------------------- transmit (SDM §13.4.33-13.4.42) */

#define E1000_TCTL      0x00400 /* Transmit Control, SDM §13.4.33 */
#define E1000_TIPG      0x00410 /* Transmit IPG, SDM §13.4.34 */
#define E1000_TDBAL     0x03800 /* SDM §13.4.36 */
#define E1000_TDBAH     0x03804 /* SDM §13.4.37 */
#define E1000_TDLEN     0x03808 /* SDM §13.4.38, multiple of 128 bytes */
#define E1000_TDH       0x03810 /* SDM §13.4.39 */
#define E1000_TDT       0x03818 /* SDM §13.4.40 */
#define E1000_TADV      0x0382c /* Transmit Absolute Delay */
#define E1000_TXDCTL    0x03828 /* 82574: Transmit Descriptor Control, queue 0 */
#define E1000_TARC0     0x03840 /* 82574: Transmit Arbitration Count, queue 0 */

#define E1000_TCTL_EN          E1000_BIT(1)  /* transmitter enable */
#define E1000_TCTL_PSP         E1000_BIT(3)  /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT    4             /* collision threshold */
#define E1000_TCTL_COLD_SHIFT  12            /* collision distance */
#define E1000_TCTL_RTLC        E1000_BIT(24) /* re-transmit on late collision */

#define E1000_TIPG_IPGT_SHIFT  0
#define E1000_TIPG_IPGR1_SHIFT 10
#define E1000_TIPG_IPGR2_SHIFT 20

#define E1000_TXDCTL_82574_B22 E1000_BIT(22) /* 82574: must be 1 (Linux e1000e) */
#define E1000_TARC0_82574_B26  E1000_BIT(26) /* 82574: must be 1 (Linux e1000e) */
#define E1000_TARC0_82574_B27_30 (0xfu << 27) /* 82574: must be 0 (Linux e1000e) */

/* -------------------------------------------- filters (SDM §13.5.1-13.5.3) */

#define E1000_MTA       0x05200 /* Multicast Table Array, 128 registers */
#define E1000_MTA_COUNT 128
#define E1000_RAL(n)    (0x05400 + 8u * (n)) /* Receive Address Low, SDM §13.5.2 */
#define E1000_RAH(n)    (0x05404 + 8u * (n)) /* Receive Address High, SDM §13.5.3 */
#define E1000_RA_COUNT  16
#define E1000_RAH_AV    E1000_BIT(31)        /* address valid */

/* ---------------------------------------- statistics (SDM §13.7, clear on read) */

#define E1000_CRCERRS   0x04000 /* SDM §13.7.1 */
#define E1000_ALGNERRC  0x04004 /* SDM §13.7.2 */
#define E1000_RXERRC    0x0400c /* SDM §13.7.4 */
#define E1000_MPC       0x04010 /* SDM §13.7.5 */
#define E1000_ECOL      0x04018 /* excessive collisions */
#define E1000_LATECOL   0x04020 /* late collisions */
#define E1000_CEXTERR   0x0403c /* carrier extension errors */
#define E1000_GPRC      0x04074 /* good packets received */
#define E1000_GPTC      0x04080 /* SDM §13.7.30 */
#define E1000_GORCL     0x04088 /* SDM §13.7.31; reading GORCH clears both */
#define E1000_GORCH     0x0408c
#define E1000_GOTCL     0x04090 /* SDM §13.7.32; reading GOTCH clears both */
#define E1000_GOTCH     0x04094
#define E1000_RNBC      0x040a0 /* SDM §13.7.33 */
#define E1000_RUC       0x040a4 /* undersize, good CRC */
#define E1000_ROC       0x040ac /* SDM §13.7.36: oversize, good CRC */

/* ----------------------------------------- descriptors (SDM §3.2.3, §3.3.3) */

/* Legacy receive descriptor, SDM §3.2.3 (82574 DS §7.1: the same layout). */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;   /* bytes written to the buffer */
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

#define E1000_RXD_STAT_DD      E1000_BIT(0) /* descriptor done */
#define E1000_RXD_STAT_EOP     E1000_BIT(1) /* last descriptor of a frame */
#define E1000_RXD_ERR_CE       E1000_BIT(0) /* CRC or alignment error */
#define E1000_RXD_ERR_SE       E1000_BIT(1) /* symbol error */
#define E1000_RXD_ERR_SEQ      E1000_BIT(2) /* sequence error */
#define E1000_RXD_ERR_CXE      E1000_BIT(4) /* carrier extension error */
#define E1000_RXD_ERR_RXE      E1000_BIT(7) /* receive data error */
/* Errors that make the frame itself bad (TCPE/IPE only judge checksums). */
#define E1000_RXD_ERR_FRAME    (E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | \
				E1000_RXD_ERR_SEQ | E1000_RXD_ERR_CXE | \
				E1000_RXD_ERR_RXE)

/* Legacy transmit descriptor, SDM §3.3.3 (82574 DS §7.2: the same layout). */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

#define E1000_TXD_CMD_EOP      E1000_BIT(0) /* end of packet */
#define E1000_TXD_CMD_IFCS     E1000_BIT(1) /* insert FCS */
#define E1000_TXD_CMD_RS       E1000_BIT(3) /* report status (write back DD) */
#define E1000_TXD_STAT_DD      E1000_BIT(0) /* descriptor done */

#endif /* IXL_E1000_REGS_H */
