/*
 * The PS/2 keyboard behind the i8042 controller. The controller translates the keyboard's
 * scancodes to set 1 (firmware leaves translation on), so a key press is one byte (or 0xE0 and
 * a byte for the extra keys) and its release is the same code with bit 7 set.
 *
 * Keys become the bytes a terminal would send: letters, digits, punctuation, Enter as '\r',
 * Backspace as 0x7f, Ctrl+letter as 0x01..0x1a, arrows as ESC [ A..D. Shift+PgUp/PgDn scroll
 * the framebuffer console back and forth, as in Linux; typing returns to the live screen.
 */
#include "kernel/drivers/ps2kbd.h"
#include "kernel/drivers/acpi.h"
#include "kernel/drivers/fbcon.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/asm/io.h"
#include "kernel/printk/console.h"
#include "kernel/printk/printk.h"

#define I8042_DATA	   0x60
#define I8042_STATUS	   0x64
#define I8042_COMMAND	   0x64
#define STATUS_OUTPUT_FULL 0x01
#define STATUS_INPUT_FULL  0x02
#define CMD_READ_CONFIG	   0x20
/* About 100 ms on real hardware (a port read takes about a microsecond). */
#define PROBE_SPINS 100000

#define SC_LSHIFT   0x2a
#define SC_RSHIFT   0x36
#define SC_CTRL	    0x1d
#define SC_CAPSLOCK 0x3a
#define SC_EXTENDED 0xe0
#define SC_RELEASE  0x80

/* Scancode set 1, unshifted and shifted; 0 where a key gives no character. */
static const char keymap[0x3a] = {
	0,    0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9',  '0', '-', '=',  0x7f,
	'\t', 'q',  'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p',  '[', ']', '\r', 0,
	'a',  's',  'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,   '\\', 'z',
	'x',  'c',  'v', 'b', 'n', 'm', ',', '.', '/', 0,   '*',  0,   ' ',
};
static const char keymap_shift[0x3a] = {
	0,    0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+',	 0x7f,
	'\t', 'Q',  'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0,
	'A',  'S',  'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,   '|',	 'Z',
	'X',  'C',  'V', 'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' ',
};

static bool shift, ctrl, capslock, extended;
static bool present;

static void push_arrow(char final)
{
	console_input_push(0x1b);
	console_input_push('[');
	console_input_push(final);
}

static void handle_extended(u8 code)
{
	switch (code) {
	case 0x48:
		push_arrow('A');
		break;
	case 0x50:
		push_arrow('B');
		break;
	case 0x4d:
		push_arrow('C');
		break;
	case 0x4b:
		push_arrow('D');
		break;
	case 0x1c:
		console_input_push('\r'); /* keypad Enter */
		break;
	case 0x49: /* Shift+PgUp, Shift+PgDn: the screen's scrollback */
		if (shift)
			fbcon_scrollback(1);
		break;
	case 0x51:
		if (shift)
			fbcon_scrollback(-1);
		break;
	}
}

static char translate(u8 code)
{
	char c;

	if (code >= sizeof(keymap))
		return 0;
	c = shift ? keymap_shift[code] : keymap[code];
	if (capslock && c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	else if (capslock && c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c &= 0x1f;
	return c;
}

static void handle_scancode(u8 sc)
{
	bool released = sc & SC_RELEASE;
	u8 code = sc & ~SC_RELEASE;
	char c;

	if (sc == SC_EXTENDED) {
		extended = true;
		return;
	}
	if (code == SC_LSHIFT || code == SC_RSHIFT) {
		shift = !released;
	} else if (code == SC_CTRL) {
		ctrl = !released; /* left, or right with the 0xE0 prefix */
	} else if (!released && extended) {
		handle_extended(code);
	} else if (!released && code == SC_CAPSLOCK) {
		capslock = !capslock;
	} else if (!released && (c = translate(code))) {
		fbcon_scrollback(0); /* typing shows the live screen again */
		console_input_push(c);
	}
	extended = false;
}

static void ps2kbd_irq(struct pt_regs *regs)
{
	while (inb(I8042_STATUS) & STATUS_OUTPUT_FULL)
		handle_scancode(inb(I8042_DATA));
}

/* Wait, a bounded time, for the status bits in mask to be `set`. */
static bool wait_status(u8 mask, bool set)
{
	int spins;

	for (spins = 0; spins < PROBE_SPINS; spins++) {
		if (!!(inb(I8042_STATUS) & mask) == set)
			return true;
		cpu_relax();
	}
	return false;
}

/*
 * Is there a controller that answers? Ask for its configuration byte (harmless: nothing is
 * changed) and wait a bounded time for the reply. USB legacy emulation answers here too.
 */
static bool i8042_answers(void)
{
	if (!wait_status(STATUS_INPUT_FULL, false))
		return false;
	outb(I8042_COMMAND, CMD_READ_CONFIG);
	if (!wait_status(STATUS_OUTPUT_FULL, true))
		return false;
	inb(I8042_DATA);
	return true;
}

void ps2kbd_init(void)
{
	const char *acpi_says = !acpi.fadt_found ? ""
				: acpi.has_8042	 ? " (ACPI lists one)"
						 : " (ACPI lists none)";
	int i;

	/* No controller answers 0xff on its status port. */
	if (inb(I8042_STATUS) == 0xff) {
		pr_info("ps2kbd: no i8042 controller%s: no PS/2 keyboard\n", acpi_says);
		return;
	}
	/* Drop whatever the firmware left in the output buffer. */
	for (i = 0; i < 16 && (inb(I8042_STATUS) & STATUS_OUTPUT_FULL); i++)
		inb(I8042_DATA);
	if (!i8042_answers()) {
		pr_info("ps2kbd: the i8042 controller does not answer%s: no PS/2 keyboard\n",
			acpi_says);
		return;
	}
	present = true;
	request_irq(1, ps2kbd_irq);
	pr_info("ps2kbd: PS/2 keyboard on IRQ 1\n");
}

bool ps2kbd_present(void)
{
	return present;
}
