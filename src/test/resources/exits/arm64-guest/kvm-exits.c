/*
 * A minimal KVM user of arm64, run inside an arm64 guest whose kernel owns EL2, so that the guest
 * kernel's own kvm_exit tracepoint records real arm64 exits: its vCPU writes and reads an address
 * with no memory behind it (data aborts handled as MMIO by this program), makes PSCI_VERSION
 * hypercalls, reads a debug register (a system register trap), and idles with WFI until its
 * virtual timer fires. The thread is named as QEMU names vCPU threads ("CPU 0/KVM").
 *
 *   aarch64-linux-gnu-gcc -static -O2 -o kvm-exits kvm-exits.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define RAM_GPA  0x10000UL
#define RAM_SIZE 0x10000UL
#define MMIO_GPA 0x1000000UL  /* no memory slot: every access is an MMIO exit */
#define ROUNDS   20

/* The guest: position independent, x5 counts rounds; the last store tells this program to stop. */
__asm__(".text\n.global guest_start\n.global guest_end\n"
        "guest_start:\n"
        "  movz x1, #0x100, lsl #16\n"       /* x1 = MMIO_GPA */
        "  mov x5, #" "20" "\n"
        "1:\n"
        "  str w5, [x1]\n"                   /* MMIO write */
        "  ldr w2, [x1]\n"                   /* MMIO read */
        "  movz x0, #0x8400, lsl #16\n"      /* PSCI_VERSION */
        "  hvc #0\n"
        "  mrs x2, mdscr_el1\n"              /* debug registers trap until first use */
        "  mrs x2, cntvct_el0\n"
        "  add x2, x2, #0x400\n"
        "  msr cntv_cval_el0, x2\n"
        "  mov x3, #1\n"
        "  msr cntv_ctl_el0, x3\n"           /* virtual timer on, unmasked */
        "  wfi\n"                            /* idle until it fires */
        "  msr cntv_ctl_el0, xzr\n"
        "  subs x5, x5, #1\n"
        "  b.ne 1b\n"
        "  str w5, [x1, #8]\n"               /* done */
        "2: b 2b\n"
        "guest_end:\n");
extern const char guest_start[], guest_end[];

static volatile long mmio, runs, timer;

static void timeout(int sig) {
    (void) sig;
    fprintf(stderr, "kvm-exits: the guest did not finish in time (%ld KVM_RUN calls, %ld MMIO, %ld timer)\n", runs, mmio, timer);
    _exit(3);
}

static int check(int r, const char *what) {
    if (r < 0) {
        perror(what);
        exit(2);
    }
    return r;
}

int main(void) {
    signal(SIGALRM, timeout);
    alarm(120);
    prctl(PR_SET_NAME, "CPU 0/KVM");
    int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
    int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    void *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) check(-1, "mmap");
    memcpy(ram, guest_start, (size_t) (guest_end - guest_start));
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = RAM_GPA, .memory_size = RAM_SIZE, .userspace_addr = (uint64_t) ram};
    check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_vcpu_init init;
    check(ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init), "KVM_ARM_PREFERRED_TARGET");
    check(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), "KVM_ARM_VCPU_INIT");
    uint64_t pc = RAM_GPA;
    struct kvm_one_reg reg = {
        .id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t)),
        .addr = (uint64_t) &pc};
    check(ioctl(vcpu, KVM_SET_ONE_REG, &reg), "KVM_SET_ONE_REG pc");
    int size = check(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t) size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) check(-1, "mmap kvm_run");
    for (;;) {
        runs++;
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            /* without an in-kernel GIC, KVM tells user space of a timer level change this way */
            if (errno == EINTR && run->exit_reason == KVM_EXIT_INTR) {
                /* the timer's level as KVM reports it goes to the vCPU's IRQ line, as a VMM's GIC would */
                struct kvm_irq_level line = {
                    .irq = (KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) | KVM_ARM_IRQ_CPU_IRQ,
                    .level = (run->s.regs.device_irq_level & KVM_ARM_DEV_EL1_VTIMER) ? 1 : 0};
                check(ioctl(vm, KVM_IRQ_LINE, &line), "KVM_IRQ_LINE");
                timer++;
                continue;
            }
            check(-1, "KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_MMIO) {
            mmio++;
            /* the last store writes the round counter's 0 (the address is not relied on: QEMU's emulated
               EL2 reports only the offset within the page) */
            uint32_t value;
            memcpy(&value, run->mmio.data, sizeof value);
            if (run->mmio.is_write && value == 0) break;
            if (!run->mmio.is_write) memset(run->mmio.data, 0, sizeof run->mmio.data);
            continue;
        }
        if (run->exit_reason == KVM_EXIT_INTR) continue;
        fprintf(stderr, "kvm-exits: unexpected exit %u after %ld runs\n", run->exit_reason, runs);
        return 1;
    }
    printf("kvm-exits: %d rounds, %ld MMIO exits to user space, %ld timer notifications, %ld KVM_RUN calls\n", ROUNDS, mmio, timer, runs);
    return 0;
}
