import { z } from 'zod';

export const requestGenerationInput = z.strictObject({ tenantId: z.uuid() });
