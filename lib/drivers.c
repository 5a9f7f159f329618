/* SPDX-License-Identifier: BSD-3-Clause */
/* The driver table: every driver ixl has, in the order they are tried. */
#include "internal.h"

extern const struct ixl_driver ixl_driver_e1000;

const struct ixl_driver *const ixl_drivers[] = {
	&ixl_driver_e1000,
	NULL,
};

const struct ixl_driver *ixl_driver_find(uint16_t vendor, uint16_t device,
					 const struct ixl_pci_id **id)
{
	for (const struct ixl_driver *const *drv = ixl_drivers; *drv; drv++) {
		for (const struct ixl_pci_id *p = (*drv)->ids; p->vendor; p++) {
			if (p->vendor == vendor && p->device == device) {
				if (id)
					*id = p;
				return *drv;
			}
		}
	}
	return NULL;
}
