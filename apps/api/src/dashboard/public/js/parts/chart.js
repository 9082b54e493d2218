import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';

const HEIGHT = 220;

/**
 * A uPlot time-series chart sized to its container. `data` is uPlot's columns: seconds, then one
 * array per series. The caption says in words what the lines show, for readers who cannot see it.
 */
export function Chart({ id, title, summary, series, data }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const element = box.current;
    const width = () => Math.max(260, element.clientWidth);
    const options = {
      width: width(),
      height: HEIGHT,
      series: [{}, ...series],
      axes: [{}, { size: 50 }],
      legend: { live: false },
    };
    const chart = new uPlot(options, data, element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return html`
    <figure class="chart" aria-labelledby=${`${id}-title`}>
      <figcaption id=${`${id}-title`}><strong>${title}</strong> <span>${summary}</span></figcaption>
      <div ref=${box} aria-hidden="true"></div>
    </figure>
  `;
}
