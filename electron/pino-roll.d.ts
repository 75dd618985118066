// pino-roll ships no types; this is the part of its documented API the console uses.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  type Options = {
    file: string;
    extension?: string;
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
    sync?: boolean;
  };
  export default function pinoRoll(options: Options): Promise<DestinationStream & { end(): void; flushSync(): void }>;
}
