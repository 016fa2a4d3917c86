package io.exitstream.engine;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The garbage collector at the moments a long run meets it by chance: code that keeps native
 * memory alive only through Java objects breaks here every time instead of once a day.
 */
public final class GarbageCollection {

    private GarbageCollection() {
    }

    /**
     * Collects until the cleaners of unreachable direct buffers have freed their memory, then
     * fills small blocks of new memory with NaN, so that whatever still reads freed memory reads
     * that. Keep the result until then.
     */
    public static List<ByteBuffer> collectAndReuse() throws InterruptedException {
        long before = directBuffers();
        for (int i = 0; i < 100 && directBuffers() >= before; i++) {
            System.gc();
            Thread.sleep(10);
        }
        List<ByteBuffer> reused = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ByteBuffer block = ByteBuffer.allocateDirect(4);
            block.putFloat(0, Float.NaN);
            reused.add(block);
        }
        return reused;
    }

    /** {@code task}'s result, computed while another thread collects garbage without pause. */
    public static <T> T whileCollecting(Supplier<T> task) throws InterruptedException {
        AtomicBoolean done = new AtomicBoolean();
        Thread collector = new Thread(() -> {
            while (!done.get()) {
                System.gc();
            }
        });
        collector.start();
        try {
            return task.get();
        } finally {
            done.set(true);
            collector.join();
        }
    }

    private static long directBuffers() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getCount).sum();
    }
}
