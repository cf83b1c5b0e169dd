// Sleeps for event.ms and reports which container (module instance) ran it.
const containerId = Math.random().toString(36).slice(2);
export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
  return { containerId };
};
