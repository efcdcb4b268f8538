import type { PinRecord } from './records';

/**
 * Pins recorded close together are written in one transaction: each settled look-up records one,
 * and twenty of them would otherwise cost twenty transactions on the page's main thread while the
 * other look-ups still need it. `schedule` says when the write starts (by default the next task;
 * the page passes its frame scheduler, so look-ups that settle in one frame share a write).
 */
export function createPinWriter(options: {
  schedule?: (write: () => void) => void;
  write: (pins: Map<string, PinRecord>) => Promise<void>;
}) {
  const schedule = options.schedule ?? ((go) => setTimeout(go, 0));
  let pending: { pins: Map<string, PinRecord>; written: Promise<void> } | null = null;

  return {
    /** Records a pin (the last one for an address wins); resolves when its write has committed. */
    record(pin: PinRecord): Promise<void> {
      if (!pending) {
        const pins = new Map<string, PinRecord>();
        const written = new Promise<void>((ok) => schedule(ok)).then(() => {
          pending = null;
          return options.write(pins);
        });
        pending = { pins, written };
      }
      pending.pins.set(pin.address, pin);
      return pending.written;
    },

    /** A pin recorded but whose write has not started yet (reads must see it). */
    waiting: (address: string): PinRecord | undefined => pending?.pins.get(address),
  };
}
