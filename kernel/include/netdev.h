/* The network device: raw Ethernet frames in and out of a virtio-net device on virtio-mmio, found
 * through the kernel command line's virtio_mmio.device=SIZE@ADDR:IRQ entries (QEMU microvm with
 * acpi=off adds one per device). The TCP/IP glue (net/) sits on top. */
#pragma once
#include "types.h"

#define NETDEV_FRAME_MAX 1514 /* Ethernet header + 1500 bytes of MTU, no FCS */

/* Probes the virtio-mmio devices named on the command line (see cmdline.h) for a network device and
 * starts it; false when there is none (the app then has loopback only). */
bool netdev_init(const char *cmdline);
bool netdev_present(void); /* netdev_init found and started a device */
void netdev_mac(u8 mac[6]);
/* Copies one frame into the transmit queue; false when the queue is full (the frame is dropped,
 * as a busy link would). */
bool netdev_send(const void *frame, size_t len);
/* Hands every received frame to net_input, then returns the buffers to the device. Called by the
 * device's interrupt handler; safe to call when nothing arrived. */
void netdev_poll(void);

/* Implemented by the TCP/IP glue: one received frame, valid only during the call. */
void net_input(const void *frame, size_t len);
