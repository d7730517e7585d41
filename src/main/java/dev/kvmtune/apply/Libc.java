package dev.kvmtune.apply;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/** The few C library calls apply makes (sched(7)), through JNA; failures raise errno. */
interface Libc extends Library {
    Libc INSTANCE = Native.load("c", Libc.class);

    int ESRCH = 3;

    int sched_getaffinity(int tid, NativeLong size, byte[] mask) throws LastErrorException;

    int sched_setaffinity(int tid, NativeLong size, byte[] mask) throws LastErrorException;

    int sched_getscheduler(int tid) throws LastErrorException;

    int sched_getparam(int tid, int[] param) throws LastErrorException;

    int sched_setscheduler(int tid, int policy, int[] param) throws LastErrorException;

    int geteuid();

    String strerror(int errnum);
}
