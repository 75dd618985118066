import { findElectronBinary } from '../../../electron/binary.ts';
import { ROOT } from './servers.ts';

export const electronBinary = findElectronBinary(ROOT);
export const hasElectronBinary = () => electronBinary.found;
export const noElectronReason = electronBinary.found ? '' : electronBinary.reason;
