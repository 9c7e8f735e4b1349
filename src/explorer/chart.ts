import { html } from 'htm/preact'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartProps {
  /** Read by screen readers; also the chart's title. */
  title: string
  /** x values, then one array per series. */
  data: number[][]
  series: Array<{ label: string; color: string }>
  /** x is unix seconds (a time axis), else a plain number (an epoch). */
  time?: boolean
  bars?: boolean
  height?: number
  yLabel?: string
}

/** A uPlot chart that fills its container's width and redraws when the data change. */
export function Chart({ title, data, series, time = false, bars = false, height = 180, yLabel }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const shape = `${series.map((s) => s.label).join('|')}|${bars}|${time}`
  useEffect(() => {
    const el = box.current
    if (el === null) return
    const width = Math.max(el.clientWidth, 240)
    plot.current = new uPlot(
      {
        width,
        height,
        scales: { x: { time } },
        axes: [{}, yLabel === undefined ? {} : { label: yLabel }],
        series: [
          {},
          ...series.map((s): uPlot.Series => {
            const line = { label: s.label, stroke: s.color, width: 2 }
            const paths = bars ? uPlot.paths.bars?.({ size: [0.6, 60] }) : undefined
            return paths === undefined ? line : { ...line, fill: s.color, paths }
          }),
        ],
      },
      data as uPlot.AlignedData,
      el,
    )
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(el.clientWidth, 240), height }),
    )
    resize.observe(el)
    return () => {
      resize.disconnect()
      plot.current?.destroy()
      plot.current = null
    }
  }, [shape, height])
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData)
  }, [data])
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${box} role="img" aria-label=${title}></div>
  </figure>`
}
