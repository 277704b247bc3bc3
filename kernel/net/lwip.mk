# lwIP 2.1.3 (Debian's source package, fetched into .cache/lwip by scripts/fetch-lwip): the core,
# IPv4, IPv6 and Ethernet, compiled with the kernel's code-generation flags and our port headers
# (kernel/net/include). Included by kernel/Makefile.
LWIP := $(ROOT)/.cache/lwip/src
ifeq ($(wildcard $(LWIP)/core/tcp.c),)
$(error lwIP's source is missing from .cache/lwip: run scripts/setup)
endif
LWIP_SRCS := $(wildcard $(LWIP)/core/*.c $(LWIP)/core/ipv4/*.c $(LWIP)/core/ipv6/*.c) $(LWIP)/netif/ethernet.c
LWIP_OBJS := $(patsubst $(LWIP)/%.c,$(OUT)/lwip/%.c.o,$(LWIP_SRCS))
LWIP_INC := -I$(HERE)/net/include -I$(LWIP)/include

# Third-party code: the kernel's warnings are not ours to fix there. -Os: 51 KB of code instead of
# 67 KB at -O2 (the kernel stays under 300 KB), with no difference the net benchmark can see.
$(OUT)/lwip/%.c.o: $(LWIP)/%.c $(HERE)/net/lwip.mk $(wildcard $(HERE)/net/include/*.h $(HERE)/net/include/arch/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -O2 -Wall -Wextra -Werror -MMD -MP,$(CFLAGS)) -Os -w $(LWIP_INC) -c -o $@ $<
